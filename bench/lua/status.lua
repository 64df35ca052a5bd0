-- GET the status of a random ticket of the list (args: tokens file).
package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require "common"
local tokens
function init(args)
  tokens = read_lines(args[1])
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end
function request()
  return wrk.format("GET", "/api/v1/tickets/" .. tokens[math.random(#tokens)])
end
done = report
