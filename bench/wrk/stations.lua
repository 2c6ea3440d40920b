-- GET /api/v1/stations/{id} with ids drawn at random from BENCH_STATIONS (one id a line).
-- Used unchanged against nginx (which answers every path alike) and the Express peer.
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local reqs

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  reqs = format_all("GET", read_lines(os.getenv("BENCH_STATIONS")),
                    function(id) return "/api/v1/stations/" .. id end)
end

function request()
  return reqs[math.random(#reqs)]
end
