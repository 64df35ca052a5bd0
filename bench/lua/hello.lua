package.path = package.path .. ";" .. os.getenv("BENCH_LUA") .. "/?.lua"
require "common"
function request() return wrk.format("GET", "/hello") end
done = report
