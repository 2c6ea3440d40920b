-- Shared by every bench script: reading id lists and the JSON summary line the runner parses.
-- wrk runs init() and request() in one Lua state per thread, done() in another.

function read_lines(path)
  local lines = {}
  local f = assert(io.open(path, "r"), "cannot open " .. path)
  for line in f:lines() do
    if #line > 0 then lines[#lines + 1] = line end
  end
  f:close()
  assert(#lines > 0, path .. " is empty")
  return lines
end

-- Pre-formats one request per entry, so request() is a table lookup and the load generator
-- spends its (shared) CPU on the socket, not on building strings.
function format_all(method, items, path_of, headers)
  local out = {}
  for i, item in ipairs(items) do
    out[i] = wrk.format(method, path_of(item), headers)
  end
  return out
end

local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  threads[#threads + 1] = thread
end

-- One line for bench/run.py: counts, errors and latency percentiles in microseconds.
function done(summary, latency, requests)
  local e = summary.errors
  local extra = ""
  if count_reports then
    local sent = 0
    for _, t in ipairs(threads) do sent = sent + (t:get("reports_sent") or 0) end
    extra = string.format(',"reports_sent":%d', sent)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"bytes":%d,"connect_errors":%d,' ..
    '"read_errors":%d,"write_errors":%d,"status_errors":%d,"timeouts":%d,' ..
    '"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"mean_us":%.1f%s}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status,
    e.timeout, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.max, latency.mean, extra))
end
