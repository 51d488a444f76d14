-- S5: a page of 100 learners in name order, anywhere in the table.
-- GET /GraphV1/Apprenant?$top=100&$skip={n}&$orderby=Nom   (n uniform in [0, learners - 100])
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
common.scenario(function(data)
  local last = math.max(data.learners_count - 100, 0)
  return function()
    return common.get("/GraphV1/Apprenant?$top=100&$skip=" .. math.random(0, last) .. "&$orderby=Nom")
  end
end)
