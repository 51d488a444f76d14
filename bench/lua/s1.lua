-- S1: a learner by key.  GET /GraphV1/Apprenant/{id}
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
common.scenario(function(data)
  local next_id = common.rotation(data.learner_ids)
  return function()
    return common.get("/GraphV1/Apprenant/" .. next_id())
  end
end)
