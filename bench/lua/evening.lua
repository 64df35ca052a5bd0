-- An evening's mix of requests across many offices, in the proportions of
-- bench/run.py EVENING (args: offices file, tokens file, status weight, board weight, issue weight).
package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require "common"
local offices, tokens, ws, wb, wi
function init(args)
  offices = read_lines(args[1])
  tokens = read_lines(args[2])
  ws, wb, wi = tonumber(args[3]), tonumber(args[4]), tonumber(args[5])
  math.randomseed(os.time() + (tonumber(tostring({}):sub(8), 16) or 0))
end
function request()
  local r = math.random() * (ws + wb + wi)
  if r < ws then
    return wrk.format("GET", "/api/v1/tickets/" .. tokens[math.random(#tokens)])
  elseif r < ws + wb then
    return wrk.format("GET", "/api/v1/offices/" .. offices[math.random(#offices)] .. "/board")
  end
  return wrk.format("POST", "/api/v1/offices/" .. offices[math.random(#offices)] .. "/tickets",
                    {["Content-Type"] = "application/json"}, '{"service":"UMUM"}')
end
done = report
