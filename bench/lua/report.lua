-- Appended to every wrk script of bench/ (bench_lua in bench/lib.sh): after the run, one line
-- `BENCH key=value …` that bench/lib.sh reads. Throughput counts successful answers only
-- (wrk's own Requests/sec counts every answer, 4xx and 5xx included).
done = function(summary, latency, requests)
  local e = summary.errors
  local seconds = summary.duration / 1e6
  local failed = e.status + e.connect + e.read + e.write + e.timeout
  io.write(string.format(
    "BENCH requests=%d seconds=%.3f rps=%.2f ok_rps=%.2f p50_ms=%.3f p90_ms=%.3f p99_ms=%.3f max_ms=%.3f " ..
    "errors=%d non2xx=%d socket_errors=%d\n",
    summary.requests, seconds, summary.requests / seconds, (summary.requests - e.status) / seconds,
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000,
    latency.max / 1000, failed, e.status, failed - e.status))
end
