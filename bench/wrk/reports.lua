-- Officer queue reports, and the 95/4/1 read/look-up/report mix.
--   BENCH_OFFICERS  "station token" lines (officers logged in by the runner)
--   BENCH_OBSERVED  observed_at for every report (the server's now, minus a little)
--   BENCH_NONCE     8 hex digits unique to this run; with the thread id and a counter it makes
--                   every report id a unique UUID
--   BENCH_MIX       "1": 95 % station reads, 4 % look-ups, 1 % reports (else reports only)
-- Queue reports are used because they may go up and down: turnout must never decrease.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

count_reports = true
reports_sent = 0
local officers, observed, nonce, counter, mix
local station_reqs, lookup_reqs

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  officers = {}
  for _, line in ipairs(read_lines(os.getenv("BENCH_OFFICERS"))) do
    local station, token = line:match("^(%S+)%s+(%S+)$")
    officers[#officers + 1] = {
      path = "/api/v1/stations/" .. station .. "/reports",
      headers = {["Authorization"] = "Bearer " .. token, ["Content-Type"] = "application/json"},
    }
  end
  observed = os.getenv("BENCH_OBSERVED")
  nonce = os.getenv("BENCH_NONCE")
  counter = 0
  mix = os.getenv("BENCH_MIX") == "1"
  if mix then
    station_reqs = format_all("GET", read_lines(os.getenv("BENCH_STATIONS")),
                              function(id) return "/api/v1/stations/" .. id end)
    lookup_reqs = format_all("GET", read_lines(os.getenv("BENCH_EPICS")),
                             function(e) return "/api/v1/lookup?epic=" .. e end)
  end
end

local function report()
  counter = counter + 1
  reports_sent = counter
  local o = officers[(counter + tid) % #officers + 1]
  local id = string.format("%s-%04x-4%03x-8%03x-%012x", nonce, tid % 65536,
                           math.floor(counter / 16777216) % 4096, 0, counter % 16777216)
  local body = string.format(
    '{"id":"%s","kind":"queue","observed_at":"%s","queue":{"men":%d,"women":%d,"others":0}}',
    id, observed, counter % 40, (counter * 7) % 35)
  return wrk.format("POST", o.path, o.headers, body)
end

function request()
  if not mix then return report() end
  local r = math.random()
  if r < 0.95 then return station_reqs[math.random(#station_reqs)] end
  if r < 0.99 then return lookup_reqs[math.random(#lookup_reqs)] end
  return report()
end
