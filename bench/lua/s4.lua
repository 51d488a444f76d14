-- S4: the convention use case's séquence query (a learner's type-S enrolments, séquence expanded).
-- GET /GraphV1/InscriptionSequence?$filter=ApprenantId eq {id} and startswith(Sequence/TypeSequence/Code,'S')&$expand=Sequence
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
common.scenario(function(data)
  local next_id = common.rotation(data.learner_ids_with_s)
  return function()
    local filter = "ApprenantId eq " .. next_id() .. " and startswith(Sequence/TypeSequence/Code,'S')"
    return common.get("/GraphV1/InscriptionSequence?$filter=" .. common.urlencode(filter) .. "&$expand=Sequence")
  end
end)
