-- POST /api/v1/usage/batch with EVENTS events a request, each with an idempotency key of its own
-- (a random run id per thread, request, event), so every event is a new use and none is a replay,
-- however many wrk runs send to the same database.
-- args: USAGE_KEY USER_ID FEATURE EVENTS
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua"
require("report")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
  bench_threads[#bench_threads + 1] = thread
end

local headers, prefix, events
local n = 0
function init(args)
  local f = io.open("/proc/sys/kernel/random/uuid")
  local run = f and f:read("*l") or tostring(os.time())
  if f then f:close() end
  headers = { ["Authorization"] = "Bearer " .. args[1], ["Content-Type"] = "application/json" }
  prefix = '{"userId":' .. args[2] .. ',"feature":"' .. args[3] .. '","quantity":1,"idempotencyKey":"' .. run .. "-"
  events = tonumber(args[4])
end

function request()
  n = n + 1
  local parts = {}
  for i = 1, events do
    parts[i] = prefix .. tid .. "-" .. n .. "-" .. i .. '"}'
  end
  return wrk.format("POST", "/api/v1/usage/batch", headers, '{"events":[' .. table.concat(parts, ",") .. "]}")
end
