-- POST a ticket to a random office of the list (args: offices file, service code).
package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require "common"
local offices, service
function init(args)
  offices = read_lines(args[1])
  service = args[2] or "UMUM"
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end
function request()
  local office = offices[math.random(#offices)]
  return wrk.format("POST", "/api/v1/offices/" .. office .. "/tickets",
                    {["Content-Type"] = "application/json"}, '{"service":"' .. service .. '"}')
end
done = report
