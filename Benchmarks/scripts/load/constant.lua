-- One constant request, over and over, for the two reference points of scripts/load.sh:
--   the ceiling (default): BareServer, a bare Hummingbird route returning a constant. Each
--     request is a POST of a form the size of an Africa's Talking USSD hit, so the server
--     reads as many bytes as the hotline does; nothing else is done with it.
--   the durable floor (LOAD_TARGET=floor): the running hotline's GET /readyz, which commits
--     one small row through the same router, group commit and fsync as a turn does, and
--     nothing else. What a turn costs beyond this is the turn's own work.

COUNTERS = { "ok", "non200" }
ok, non200 = 0, 0

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local target = os.getenv("LOAD_TARGET") == "floor" and "floor" or "bare"
local prepared
if target == "floor" then
    prepared = wrk.format("GET", "/readyz")
else
    local body = "sessionId=ATUid_1700000000_01_123456&serviceCode=%2A384%2A1769%23"
        .. "&phoneNumber=%2B84901123456&networkCode=45204&text=1%2A2%2A1%2A2%2AHa%20Long"
    prepared = wrk.format("POST", "/", { ["Content-Type"] = "application/x-www-form-urlencoded" }, body)
end

function request()
    return prepared
end

function response(status, headers, reply)
    if status == 200 then
        ok = ok + 1
    else
        non200 = non200 + 1
        keep_sample(target, status, reply)
    end
end
