-- wrk script of `make bench-serve`: each connection pauses WRK_DELAY_MS between a response and
-- its next request (connections / delay ~ the offered rate), and the summary is printed as one
-- JSON line for bench/serve.ts. Latencies are wrk's, in microseconds.
local pause = tonumber(os.getenv("WRK_DELAY_MS") or "40")

function delay()
  return pause
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('{"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"max_us":%d,"errors":%d,"non2xx":%d,"timeouts":%d}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), latency.max,
    e.connect + e.read + e.write, e.status, e.timeout))
end
