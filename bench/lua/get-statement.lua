-- GET /v1/statements/{id} over many statements: the ids come from the file given after `--`
-- (one a line); a thread's requests go round robin through them from a random start, so every
-- statement of the month is read about as often as the others.
local ids = {}
local next_id = 0

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(ids, line)
    end
  end
  math.randomseed(os.time())
  next_id = math.random(0, #ids - 1)
end

function request()
  next_id = next_id % #ids + 1
  return wrk.format("GET", "/v1/statements/" .. ids[next_id])
end
