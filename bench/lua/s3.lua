-- S3: a parcours with its periods.  GET /GraphV1/Parcours/{id}?$expand=ParcoursPeriodes
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
common.scenario(function(data)
  local next_id = common.rotation(data.parcours_ids)
  return function()
    return common.get("/GraphV1/Parcours/" .. next_id() .. "?$expand=ParcoursPeriodes")
  end
end)
