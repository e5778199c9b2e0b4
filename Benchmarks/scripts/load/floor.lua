-- The durable floor: the same wrk load against the running hotline's `GET /readyz`, which
-- commits one small row through the same router, group commit and fsync as a turn does, and
-- nothing else. What a turn costs beyond this is the turn's own work.

COUNTERS = { "ok", "non200" }
ok, non200 = 0, 0

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local prepared = wrk.format("GET", "/readyz")

function request()
    return prepared
end

function response(status, headers, reply)
    if status == 200 then
        ok = ok + 1
    else
        non200 = non200 + 1
        keep_sample("floor", status, reply)
    end
end
