-- GET /api/v1/lookup?epic= with EPICs drawn at random from BENCH_EPICS (real electors).
dofile(os.getenv("BENCH_LUA_DIR") .. "/common.lua")

local reqs

function init(args)
  math.randomseed(os.time() * 1000 + (tid or 0))
  reqs = format_all("GET", read_lines(os.getenv("BENCH_EPICS")),
                    function(epic) return "/api/v1/lookup?epic=" .. epic end)
end

function request()
  return reqs[math.random(#reqs)]
end
