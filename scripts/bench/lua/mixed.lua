-- The soak's mixed load, one random request at a time, every POST with a unique Idempotency-Key.
-- args: USAGE_KEY ADMIN_KEY USER_IDS(comma-separated; the first is the hot user) RUN_TAG EXPIRES_AT
--   78 % POST deductions {"amount":1}: a quarter to the hot user, the rest spread over the others
--   10 % GET /balance, 10 % GET /ledger?limit=20 (any user)
--    2 % POST grants {"amount":5,"type":"subscription","expiresAt":EXPIRES_AT} to the hot user: a
--        stream of small grants that burn first (soonest expiry) and are used up about as fast as
--        they arrive, each emptied grant going `depleted`
package.path = package.path .. ";" .. debug.getinfo(1, "S").source:match("^@(.*/)") .. "?.lua"
require("report")

local threads = 0
function setup(thread)
  threads = threads + 1
  thread:set("tid", threads)
end

local usage, admin, users, tag, grantBody
local n = 0
function init(args)
  usage = "Bearer " .. args[1]
  admin = "Bearer " .. args[2]
  users = {}
  for id in args[3]:gmatch("%d+") do users[#users + 1] = id end
  tag = args[4] .. "-" .. tostring(tid)
  grantBody = '{"amount":5,"type":"subscription","expiresAt":"' .. args[5] .. '"}'
  math.randomseed(os.time() + (tid or 0) * 7919)
end

local function anyUser() return users[math.random(#users)] end

function request()
  n = n + 1
  local r = math.random(100)
  if r <= 78 then
    local user = math.random(4) == 1 and users[1] or users[math.random(2, #users)]
    return wrk.format("POST", "/api/v1/users/" .. user .. "/deductions",
      { ["Authorization"] = usage, ["Content-Type"] = "application/json", ["Idempotency-Key"] = tag .. "-" .. n },
      '{"amount":1}')
  elseif r <= 88 then
    return wrk.format("GET", "/api/v1/users/" .. anyUser() .. "/balance", { ["Authorization"] = usage })
  elseif r <= 98 then
    return wrk.format("GET", "/api/v1/users/" .. anyUser() .. "/ledger?limit=20", { ["Authorization"] = usage })
  else
    return wrk.format("POST", "/api/v1/users/" .. users[1] .. "/grants",
      { ["Authorization"] = admin, ["Content-Type"] = "application/json", ["Idempotency-Key"] = tag .. "-" .. n },
      grantBody)
  end
end
