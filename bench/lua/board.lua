-- GET the board of a random office of the list (args: offices file).
package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require "common"
local offices
function init(args)
  offices = read_lines(args[1])
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end
function request()
  return wrk.format("GET", "/api/v1/offices/" .. offices[math.random(#offices)] .. "/board")
end
done = report
