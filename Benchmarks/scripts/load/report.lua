-- Shared by hotline.lua and constant.lua (loaded with dofile): numbers each wrk thread, then sums
-- the threads' counters and prints every figure as a "result <name> <value>" line for load.sh.
-- A script that loads this defines COUNTERS (the names of its per-thread global counters)
-- before calling dofile, and `samples` (a string) if it keeps examples of bad answers.

local threads = {}

-- Runs in wrk's main Lua state, once per thread, before the threads start.
function setup(thread)
    table.insert(threads, thread)
    thread:set("thread_index", #threads)
end

local function put(name, value)
    io.write(string.format("result %s %s\n", name, tostring(value)))
end

-- Runs in the main Lua state after the run; each thread's globals are read with thread:get.
function done(summary, latency, requests)
    local seconds = summary.duration / 1e6
    put("requests", summary.requests)
    put("seconds", string.format("%.3f", seconds))
    put("rps", string.format("%.1f", summary.requests / seconds))
    put("p50_us", latency:percentile(50))
    put("p90_us", latency:percentile(90))
    put("p99_us", latency:percentile(99))
    put("max_us", latency.max)
    put("errors_connect", summary.errors.connect)
    put("errors_read", summary.errors.read)
    put("errors_write", summary.errors.write)
    put("errors_status", summary.errors.status)
    put("errors_timeout", summary.errors.timeout)
    for _, name in ipairs(COUNTERS) do
        local total = 0
        for _, thread in ipairs(threads) do total = total + (thread:get(name) or 0) end
        put(name, total)
    end
    for _, thread in ipairs(threads) do
        local s = thread:get("samples")
        if s and s ~= "" then io.write(s) end
    end
end

-- Keeps the first few bad answers of a thread, printed by done() as "sample ..." lines.
samples = ""
local kept = 0
function keep_sample(what, status, body)
    if kept >= 3 then return end
    kept = kept + 1
    local text = (body or ""):sub(1, 160):gsub("[\r\n]+", " | ")
    samples = samples .. string.format("sample %s: HTTP %d: %s\n", what, status, text)
end
