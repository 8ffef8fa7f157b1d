-- wrk script: request the paths listed in a file, round-robin, and report JSON.
--
--   wrk -t2 -c8 -d15s --latency -s benchmarks/wrk/paths.lua http://127.0.0.1:PORT -- PATHS_FILE
--
-- PATHS_FILE holds one URL path per line (already percent-encoded). Each wrk
-- thread starts at a different offset, so together they walk every path. The
-- done() hook prints one line starting with "BENCH_JSON " that bench.py reads:
-- requests, seconds, req/s, p50 and p99 in milliseconds, and errors (socket
-- errors plus responses with status >= 400, which wrk counts as errors.status).

local paths = {}
local threads = {}
local counter = 1

function setup(thread)
  thread:set("id", counter)
  table.insert(threads, thread)
  counter = counter + 1
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the paths file")
  for line in file:lines() do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
  file:close()
  assert(#paths > 0, "the paths file is empty")
  index = ((id - 1) * 7919) % #paths
  non_2xx = 0
end

function request()
  index = index % #paths + 1
  return wrk.format("GET", paths[index])
end

function response(status, headers, body)
  if status >= 300 then
    non_2xx = non_2xx + 1
  end
end

function done(summary, latency, requests)
  local redirects = 0
  for _, thread in ipairs(threads) do
    redirects = redirects + (thread:get("non_2xx") or 0)
  end
  local errors = summary.errors
  local failed = errors.connect + errors.read + errors.write + errors.timeout
  io.write(string.format(
    'BENCH_JSON {"requests": %d, "seconds": %.3f, "rps": %.2f, "p50_ms": %.3f, ' ..
    '"p99_ms": %.3f, "socket_errors": %d, "status_errors": %d, "not_2xx": %d}\n',
    summary.requests, summary.duration / 1e6,
    summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    failed, errors.status, redirects))
end
