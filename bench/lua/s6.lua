-- S6: create an e-mail (a new, unique address each time).  POST /GraphV1/Mail
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
common.scenario(function(data)
  local n = 0
  local tid = thread_id or 1
  return function()
    n = n + 1
    local body = string.format('{"Adresse": "bench.%s.%d.%d@charge.example.fr", "IsDuplicate": false}',
                               common.run_tag, tid, n)
    return wrk.format("POST", "/GraphV1/Mail", common.json_headers, body)
  end
end)
