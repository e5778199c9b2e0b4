-- The hotline's workload for wrk: Africa's Talking USSD sessions walked through the real
-- menus of gateway-config/flows/main.yaml, and Kannel SMS conversations, about 5% of each
-- urgent (help now, or "a child is in danger now", or an urgent sentence by SMS).
--
-- wrk gives a request no connection identity, so each thread keeps a pool of conversations
-- in progress (POOL_FACTOR times its connections) and sends their next steps round-robin:
-- a conversation's next step goes out after a whole round of other requests, by which time
-- its previous one has been answered. Three pool slots in four are USSD sessions, one in
-- four an SMS conversation, so about 25% of requests are Kannel SMS. A finished conversation
-- is replaced by a new one with a new session id and a new number (one number per
-- conversation: abuse.max_messages_per_hour, 30 by default, never comes into play).
-- Every step is a real answer the service commits before it replies; a reply that shows a
-- retry hint or the help screen (a step taken out of order, or a menu that changed) is
-- counted as off-script, and load.sh fails the run on any.
--
-- Ids: session ids and Kannel message ids hold the run id and the thread's number, so they
-- never repeat across threads or runs. Numbers (+849... for USSD, +848... for SMS) hold the
-- thread's number and a counter, so they never repeat within a run (up to 10^6 conversations
-- per thread); load.sh gives every run a new database, so no earlier run's session is met.
--
-- Environment (set by load.sh): LOAD_RUN_ID (digits, unique per run), LOAD_CONNECTIONS and
-- LOAD_THREADS (to size the pool), LOAD_POOL_FACTOR (default 8).

COUNTERS = {
    "ok", "non200", "ussd_con", "ussd_end", "sms_replies", "offscript",
    "ussd_steps", "ussd_sessions", "ussd_urgent", "sms_messages", "sms_conversations", "sms_urgent",
}
for _, name in ipairs(COUNTERS) do _G[name] = 0 end

local here = debug.getinfo(1, "S").source:match("^@(.*/)") or "./"
dofile(here .. "report.lua")

local run_id = os.getenv("LOAD_RUN_ID") or tostring(os.time())
local run_number = tonumber(run_id:sub(-9)) or 0

local function urlencode(s)
    return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", c:byte()) end))
end

local function pick(list) return list[math.random(#list)] end

-- Answers ---------------------------------------------------------------------------------
-- Places as people write them (a district of service.yaml, with or without marks, or a
-- commune and district).
local places = {
    "Ha Long", "Cam Pha", "Uong Bi", "Mong Cai", "Dong Trieu", "Quang Yen", "Van Don", "Tien Yen",
    "Hai Ha", "Dam Ha", "Binh Lieu", "Ba Che", "Co To", "Hạ Long", "Cẩm Phả", "Bai Chay, Ha Long",
    "xa Hoanh Bo", "phuong Hong Gai",
}
-- Short descriptions that are not urgent (triage: none, P3 or P2, never P1).
local descriptions = {
    "ban cung lop hay treu choc em", "bo me em hay cai nhau", "em bi mat xe dap o truong",
    "nguoi la nhan tin lam quen em tren mang", "hom truoc bo danh em",
}
-- Sentences triage judges P1 (checked with `hotline triage`).
local urgent_sms = {
    "bo dang danh em, cuu em voi", "cuu em, chu hang xom dang danh em",
    "co nguoi dang danh ban em o cong truong, cuu voi", "em so lam, me dang bi danh, cuu",
    "SOS bo say ruou dang danh me con",
}
local greetings = { "chao", "alo", "xin chao" }

local function append(list, ...)
    for _, v in ipairs({ ... }) do table.insert(list, v) end
    return list
end

-- The report path after "1" (report): for whom, what, danger now, where, age, contact
-- (then when, if contact), description.
local function report_answers(danger)
    local a = { "1", pick({ "1", "2" }), tostring(math.random(8)), danger, pick(places) }
    append(a, math.random(3) == 1 and "#" or tostring(math.random(4, 16)))
    local contact = pick({ "1", "2", "3", "3" })
    append(a, contact)
    if contact ~= "3" then append(a, tostring(math.random(4))) end
    append(a, math.random(2) == 1 and "#" or pick(descriptions))
    return a
end

-- The advice path after "2": a topic, its two screens, then counsellor or not.
local function advice_answers(prefix)
    local a = append(prefix, "2", tostring(math.random(6)), "1", "1")
    local r = math.random(4)
    if r <= 2 then
        append(a, "2")               -- I will call myself: END
    elseif r == 3 then
        append(a, "1", "1")          -- call me back, it is safe: END (a callback case)
    else
        append(a, "1", "2")          -- call me back, not safe: END
    end
    return a
end

-- A USSD session: the answers after the first (empty) hit, and whether it is urgent.
local function ussd_plan()
    local r = math.random(100)
    if r <= 3 then return { "3", pick(places), tostring(math.random(5)) }, true    -- help now
    elseif r <= 5 then return report_answers("1"), true                           -- danger now
    elseif r <= 50 then return advice_answers({}), false
    elseif r <= 55 then return advice_answers({ "5", "2" }), false                -- in English
    elseif r <= 88 then return report_answers("2"), false
    else return { "4" }, false                                                    -- the numbers
    end
end

-- An SMS conversation: every text the person sends, and whether it is urgent.
local function sms_plan()
    local r = math.random(100)
    if r <= 5 then return { pick(urgent_sms), pick(places), tostring(math.random(5)) }, true
    elseif r <= 50 then
        return advice_answers(math.random(2) == 1 and { pick(greetings) } or {}), false
    elseif r <= 80 then return report_answers("2"), false
    elseif r <= 90 then return { "4" }, false
    else return { pick(greetings), "4" }, false
    end
end

-- The pool ----------------------------------------------------------------------------------
local pool, pool_size, cursor = {}, 0, 1
local tid, serial, messages = 0, 0, 0
local networks = { "45204", "45201", "45202" }

function init(args)
    tid = thread_index or 1
    math.randomseed(7919 * tid)     -- the same mix of conversations on every run
    local threads = tonumber(os.getenv("LOAD_THREADS")) or 2
    local connections = tonumber(os.getenv("LOAD_CONNECTIONS")) or 32
    local factor = tonumber(os.getenv("LOAD_POOL_FACTOR")) or 8
    local per_thread = math.ceil(connections / threads)
    pool_size = math.max(32, 2 * per_thread, factor * per_thread)
    pool_size = pool_size + (4 - pool_size % 4) % 4
end

local function new_conversation(slot)
    serial = serial + 1
    local number = string.format("%02d%06d", tid, (run_number + serial) % 1000000)
    if slot % 4 == 0 then
        local texts, urgent = sms_plan()
        sms_conversations = sms_conversations + 1
        if urgent then sms_urgent = sms_urgent + 1 end
        return { sms = true, sender = urlencode("+848" .. number), texts = texts, step = 1 }
    end
    local answers, urgent = ussd_plan()
    ussd_sessions = ussd_sessions + 1
    if urgent then ussd_urgent = ussd_urgent + 1 end
    local fixed = "sessionId=ATUid_" .. run_id .. "_" .. tid .. "_" .. serial
        .. "&serviceCode=" .. urlencode("*384*1769#") .. "&phoneNumber=" .. urlencode("+849" .. number)
        .. "&networkCode=" .. pick(networks) .. "&text="
    return { sms = false, fixed = fixed, answers = answers, step = 1 }
end

local form = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function request()
    local slot = cursor
    cursor = cursor % pool_size + 1
    local c = pool[slot]
    if c == nil or c.step > (c.sms and #c.texts or #c.answers + 1) then
        c = new_conversation(slot)
        pool[slot] = c
    end
    local step = c.step
    c.step = step + 1
    if c.sms then
        sms_messages = sms_messages + 1
        messages = messages + 1
        return wrk.format("GET", "/webhooks/kannel?sender=" .. c.sender .. "&to=18001769&text="
            .. urlencode(c.texts[step]) .. "&id=" .. run_id .. "-" .. tid .. "-" .. messages
            .. "&ts=" .. os.time() .. "&coding=0&charset=UTF-8")
    end
    ussd_steps = ussd_steps + 1
    -- Africa's Talking's text is cumulative: "", "1", "1*2", "1*2*1", ...
    local text = step == 1 and "" or table.concat(c.answers, "*", 1, step - 1)
    return wrk.format("POST", "/webhooks/at-ussd", form, c.fixed .. urlencode(text))
end

-- Screens that mean a step was not taken as planned: the retry hints (vi and en), the help
-- screen a second miss leads to, the keys help, an empty SMS answer.
local offscript_marks = {
    "Chua dung", "Hay viet ro", "Hay bam mot so", "Not an option", "Please write a little",
    "Please send a number", "Ban co the goi 111 mien phi de noi chuyen", "Bam so. 0: lui",
}

function response(status, headers, body)
    if status ~= 200 then
        non200 = non200 + 1
        keep_sample("non-200", status, body)
        return
    end
    ok = ok + 1
    local head = body:sub(1, 4)
    if head == "CON " then
        ussd_con = ussd_con + 1
    elseif head == "END " then
        ussd_end = ussd_end + 1
    else
        sms_replies = sms_replies + 1
        if body == "" then
            offscript = offscript + 1
            keep_sample("empty SMS reply", status, body)
            return
        end
    end
    for _, mark in ipairs(offscript_marks) do
        if body:find(mark, 1, true) then
            offscript = offscript + 1
            keep_sample("off-script", status, body)
            return
        end
    end
end
