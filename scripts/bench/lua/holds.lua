-- Holds then captures, as a service reserving credits for a job and charging when it finishes:
-- every answer to a hold queues its id; the next request a connection sends captures the oldest
-- queued hold (all of it), otherwise it places a new hold of 1 credit. "ops" counts captures.
-- args: USAGE_KEY USER_ID
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua"
require("report")

function setup(thread)
  bench_threads[#bench_threads + 1] = thread
end

local auth, holdPath
local queue, head, tail = {}, 1, 0
ops = 0
function init(args)
  auth = "Bearer " .. args[1]
  holdPath = "/api/v1/users/" .. args[2] .. "/holds"
end

function request()
  if head <= tail then
    local id = queue[head]
    queue[head] = nil
    head = head + 1
    return wrk.format("POST", "/api/v1/holds/" .. id .. "/capture",
      { ["Authorization"] = auth, ["Content-Type"] = "application/json" }, "{}")
  end
  return wrk.format("POST", holdPath, { ["Authorization"] = auth, ["Content-Type"] = "application/json" },
    '{"amount":1}')
end

function response(status, headers, body)
  if status == 200 and body:find('"deduction"', 1, true) then
    ops = ops + 1
  elseif status == 201 then
    local hold = body:match('"hold"%s*:%s*(%b{})')
    local id = hold and hold:match('"id"%s*:%s*"?([^",}]+)"?')
    if id then
      tail = tail + 1
      queue[tail] = id
    end
  end
end
