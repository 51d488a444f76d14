-- Shared by the scenario scripts (s1.lua … s6.lua), run by wrk (LuaJIT).
--
-- * samples: a Lua table file written by bench/run.py from the generator's samples
--   (real learner ids, e-mail addresses, parcours ids…), path in $BENCH_SAMPLES_LUA;
-- * every request carries "Authorization: Basic" (the bench/bench credential);
-- * query-string values are percent-encoded;
-- * responses are counted per status; done() prints one line "BENCH_RESULT {json}"
--   that bench/run.py reads (requests, duration, latency percentiles, non-2xx, socket errors).
local M = {}

M.samples_file = os.getenv("BENCH_SAMPLES_LUA") or "bench/.work/samples.lua"
M.run_tag = os.getenv("BENCH_RUN_TAG") or tostring(os.time())

local threads = {}
local thread_counter = 0

-- Runs in the main Lua state, once per thread, before the threads start.
function M.setup(thread)
  thread_counter = thread_counter + 1
  thread:set("thread_id", thread_counter)
  table.insert(threads, thread)
end

-- Runs in each thread's own Lua state.
function M.init()
  local data = dofile(M.samples_file)
  M.data = data
  M.headers = { ["Authorization"] = data.authorization, ["Accept"] = "application/json" }
  M.json_headers = { ["Authorization"] = data.authorization, ["Accept"] = "application/json",
                     ["Content-Type"] = "application/json" }
  math.randomseed(os.time() * 1000 + (thread_id or 1) * 7919)
  statuses = {}  -- global: read back by done() with thread:get("statuses")
  return data
end

-- A rotation through a list, starting at a random place (each thread its own).
function M.rotation(list)
  local n = #list
  assert(n > 0, "empty sample list")
  local i = math.random(n)
  return function()
    i = i % n + 1
    return list[i]
  end
end

function M.urlencode(s)
  return (tostring(s):gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

function M.get(path)
  return wrk.format("GET", path, M.headers)
end

function M.response(status, headers, body)
  statuses[status] = (statuses[status] or 0) + 1
end

local function json_escape(s)
  return (tostring(s):gsub('[%c"\\]', function(c) return string.format("\\u%04x", string.byte(c)) end))
end

function M.done(summary, latency, requests)
  local counts = {}
  local non2xx = 0
  for _, thread in ipairs(threads) do
    local st = thread:get("statuses") or {}
    for status, n in pairs(st) do
      counts[status] = (counts[status] or 0) + n
      if status < 200 or status > 299 then non2xx = non2xx + n end
    end
  end
  local parts = {}
  for status, n in pairs(counts) do table.insert(parts, string.format('"%d": %d', status, n)) end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "duration_us": %d, "bytes": %d, ' ..
    '"latency_us": {"min": %d, "mean": %.1f, "max": %d, "p50": %d, "p90": %d, "p99": %d, "p999": %d}, ' ..
    '"socket_errors": {"connect": %d, "read": %d, "write": %d, "timeout": %d}, "wrk_status_errors": %d, ' ..
    '"non2xx": %d, "statuses": {%s}, "run_tag": "%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    latency.min, latency.mean, latency.max, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency:percentile(99.9),
    e.connect, e.read, e.write, e.timeout, e.status, non2xx, table.concat(parts, ", "), json_escape(M.run_tag)))
end

-- Install the wrk callbacks.  `prepare(data)` runs once per thread (in init) and returns
-- the function that builds one request.  `request` must exist when the script is loaded,
-- or wrk would treat the script as static and send one request over and over.
function M.scenario(prepare)
  local make
  setup = M.setup
  init = function(args)
    make = prepare(M.init())
  end
  request = function()
    return make()
  end
  response = M.response
  done = M.done
end

return M
