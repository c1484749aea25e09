-- wrk_pool.lua - replays a pool of requests signed beforehand (SigV4 in the
-- Authorization header) and counts every answer that is not HTTP 200.
--
--   wrk -t2 -c2 -s bench/wrk_pool.lua URL -- POOL_PREFIX
--
-- Thread n reads POOL_PREFIX.n: one request a line, tab-separated, the body
-- first, then header name and value pairs. Each thread sends its own lines
-- in order and starts again at the end. With one connection per thread the
-- order is also the order the server sees, which Authorize/Revoke pairs of
-- the same rule need. The position moves on in response(), not request():
-- wrk calls request() once more on thread 0 before the run to inspect it,
-- and that call must not skip a line. (With several connections a thread
-- may send a line twice; only read-only pools use them.) done() prints
-- one line "WRKJSON {...}" for the caller.

local threads = {}

function setup(thread)
	thread:set("id", #threads)
	table.insert(threads, thread)
end

function init(args)
	pool = {}
	pos = 0
	bad = 0
	first_bad = ""
	for line in io.lines(args[1] .. "." .. id) do
		local f = {}
		for field in (line .. "\t"):gmatch("([^\t]*)\t") do
			f[#f + 1] = field
		end
		local headers = {}
		for i = 2, #f - 1, 2 do
			headers[f[i]] = f[i + 1]
		end
		pool[#pool + 1] = wrk.format("POST", "/", headers, f[1])
	end
	if #pool == 0 then
		error("empty request pool " .. args[1] .. "." .. id)
	end
end

function request()
	return pool[pos % #pool + 1]
end

function response(status, headers, body)
	pos = pos + 1
	if status ~= 200 then
		bad = bad + 1
		if first_bad == "" then
			first_bad = status .. " " .. string.sub(body, 1, 300)
		end
	end
end

local function quote(s)
	s = string.gsub(s, "[%c\"\\]", function(c)
		return string.format("\\u%04x", string.byte(c))
	end)
	return '"' .. s .. '"'
end

function done(summary, latency, requests)
	local bad_total, first = 0, ""
	for _, t in ipairs(threads) do
		bad_total = bad_total + t:get("bad")
		if first == "" then
			first = t:get("first_bad")
		end
	end
	local e = summary.errors
	local p = {}
	for _, q in ipairs({ 50, 90, 99, 99.9 }) do
		p[#p + 1] = string.format('"%s": %d', tostring(q), latency:percentile(q))
	end
	io.write(string.format(
		'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "non200": %d, "first_non200": %s, ' ..
		'"connect_errors": %d, "read_errors": %d, "write_errors": %d, "timeouts": %d, ' ..
		'"status_errors": %d, "latency_us": {%s}, "latency_max_us": %d, "latency_mean_us": %.1f}\n',
		summary.requests, summary.duration, summary.bytes, bad_total, quote(first),
		e.connect, e.read, e.write, e.timeout, e.status, table.concat(p, ", "),
		latency.max, latency.mean))
end
