-- POST /v1/auth/login over many accounts: request n logs in as the n-th email of the file
-- given after `--` (round robin), all with the same password (the second argument).
local emails = {}
local password
local next_email = 0
local headers = { ["Content-Type"] = "application/json" }

function init(args)
  for line in io.lines(args[1]) do
    if #line > 0 then
      table.insert(emails, line)
    end
  end
  password = args[2]
  next_email = math.random(0, #emails - 1)
end

function request()
  next_email = next_email % #emails + 1
  local body = string.format('{"email":"%s","password":"%s"}', emails[next_email], password)
  return wrk.format("POST", "/v1/auth/login", headers, body)
end
