-- wrk script for bench/lookups.py: replays pre-signed slash commands, one file line each:
--   timestamp <TAB> signature <TAB> form-encoded body
-- Thread k of n sends lines k, k+n, k+2n, ... so threads do not repeat each other's requests.
-- Counts answers that were not in the ack ("Looking that up…" placeholders) and non-200s.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("id", counter)
  table.insert(threads, thread)
end

function init(args)
  local n = tonumber(args[2])
  requests = {}
  local line_no = 0
  for line in io.lines(args[1]) do
    line_no = line_no + 1
    if (line_no - id) % n == 0 then
      local ts, sig, body = line:match("^([^\t]*)\t([^\t]*)\t(.*)$")
      requests[#requests + 1] = wrk.format("POST", "/slack/events", {
        ["Content-Type"] = "application/x-www-form-urlencoded",
        ["X-Slack-Request-Timestamp"] = ts,
        ["X-Slack-Signature"] = sig,
      }, body)
    end
  end
  cursor = 0
  sent = 0
  late = 0
  failed = 0
end

function request()
  cursor = cursor % #requests + 1
  sent = sent + 1
  return requests[cursor]
end

function response(status, headers, body)
  if status ~= 200 then
    failed = failed + 1
  elseif not body:find('"blocks"', 1, true) then
    late = late + 1
  end
end

function done(summary, latency, requests)
  local late_total, failed_total, sent_total = 0, 0, 0
  for _, thread in ipairs(threads) do
    late_total = late_total + thread:get("late")
    failed_total = failed_total + thread:get("failed")
    sent_total = sent_total + thread:get("sent")
  end
  io.write(string.format(
    "RESULT requests=%d seconds=%.3f p50_ms=%.2f p90_ms=%.2f p99_ms=%.2f max_ms=%.2f late=%d failed=%d socket_errors=%d\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50) / 1000, latency:percentile(90) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, late_total, failed_total,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
