-- Appended to a wrk script for clients that honour Retry-After: each 429 or 503 answer makes one
-- connection wait as long as it says (default 1 s) before its next request. wrk asks for the
-- delay when a connection is ready to send, not right after its answer, so the wait may fall
-- on another connection of the thread: the number of waits is exact, their owner approximate.
local waits = {}

function response(status, headers, body)
  if status == 429 or status == 503 then
    local after = tonumber(headers["Retry-After"] or headers["retry-after"] or "1") or 1
    table.insert(waits, after * 1000)
  end
end

function delay()
  return table.remove(waits, 1) or 0
end
