-- S2: a learner by e-mail address.  GET /GraphV1/Apprenant?$filter=Mail/Adresse eq '{address}'
package.path = (os.getenv("BENCH_LUA_DIR") or "bench/lua") .. "/?.lua;" .. package.path
local common = require("common")
common.scenario(function(data)
  local next_address = common.rotation(data.mail_addresses)
  return function()
    local filter = "Mail/Adresse eq '" .. next_address() .. "'"
    return common.get("/GraphV1/Apprenant?$filter=" .. common.urlencode(filter))
  end
end)
