-- wrk script of scripts/load: the requests of one kind of client, and a JSON summary at the end.
--   LOAD_MIX=mix     the web app's traffic: POST /predict, GET /history/{id}, GET /pops?q=,
--                    GET /model/status and static files (/index.html, /css/app.css, /js/app.js, /js/api.js, /config.js)
--   LOAD_MIX=api     only the API requests of the mix
--   LOAD_MIX=static  only the static files of the mix
-- Pop ids are drawn from LOAD_FIRST_ID .. LOAD_LAST_ID (the generated catalog).
local mix = os.getenv("LOAD_MIX") or "mix"
local first = tonumber(os.getenv("LOAD_FIRST_ID") or "10001")
local last = tonumber(os.getenv("LOAD_LAST_ID") or "10300")
local words = { "batman", "black widow", "spider", "harry potter", "star wars", "a", "40", "zzz" }
local conditions = { "mint", "near_mint", "good", "fair", "poor" }
local marketplaces = { "ebay", "mercari", "amazon", "whatnot" }
local statics = { "/index.html", "/css/app.css", "/js/app.js", "/js/api.js", "/config.js" }

local function pick(list) return list[math.random(#list)] end
local function pop() return tostring(math.random(first, last)) end

local function api()
    local r = math.random(4)
    if r == 1 then
        local body = string.format(
            '{"funko_pop_id":"%s","condition":"%s","marketplace":"%s","future_days":%d}',
            pop(), pick(conditions), pick(marketplaces), math.random(0, 90))
        return wrk.format("POST", "/predict", { ["Content-Type"] = "application/json" }, body)
    elseif r == 2 then
        return wrk.format("GET", "/history/" .. pop() .. "?days=90")
    elseif r == 3 then
        return wrk.format("GET", "/pops?q=" .. pick(words):gsub(" ", "%%20") .. "&limit=20")
    else
        return wrk.format("GET", "/model/status")
    end
end

local function static() return wrk.format("GET", pick(statics)) end

local threads = {}

function setup(thread)
    thread:set("id", #threads + 1)
    table.insert(threads, thread)
end

function init(args)
    math.randomseed(os.time() + id * 7919)
    status_2xx, status_3xx, status_4xx, status_5xx = 0, 0, 0, 0
end

function request()
    if mix == "api" then return api() end
    if mix == "static" then return static() end
    -- the mix: half API requests, half files (a page view loads the page and its files, then calls)
    if math.random(2) == 1 then return api() end
    return static()
end

function response(status, headers, body)
    if status < 300 then
        status_2xx = status_2xx + 1
    elseif status < 400 then
        status_3xx = status_3xx + 1
    elseif status < 500 then
        status_4xx = status_4xx + 1
    else
        status_5xx = status_5xx + 1
    end
end

function done(summary, latency, requests)
    local counts = { ["2xx"] = 0, ["3xx"] = 0, ["4xx"] = 0, ["5xx"] = 0 }
    for _, t in ipairs(threads) do
        counts["2xx"] = counts["2xx"] + t:get("status_2xx")
        counts["3xx"] = counts["3xx"] + t:get("status_3xx")
        counts["4xx"] = counts["4xx"] + t:get("status_4xx")
        counts["5xx"] = counts["5xx"] + t:get("status_5xx")
    end
    local e = summary.errors
    io.write(string.format(
        'LOAD_RESULT {"mix":"%s","requests":%d,"seconds":%.3f,"bytes":%d,'
            .. '"p50_ms":%.3f,"p90_ms":%.3f,"p99_ms":%.3f,"max_ms":%.3f,'
            .. '"connect":%d,"read":%d,"write":%d,"timeout":%d,"non_2xx_3xx":%d,'
            .. '"2xx":%d,"3xx":%d,"4xx":%d,"5xx":%d}\n',
        mix, summary.requests, summary.duration / 1e6, summary.bytes,
        latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
        latency.max / 1000, e.connect, e.read, e.write, e.timeout, e.status,
        counts["2xx"], counts["3xx"], counts["4xx"], counts["5xx"]))
end
