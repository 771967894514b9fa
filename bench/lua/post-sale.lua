-- POST /v1/sales: one new order line per request, as a platform's order feed sends them while a
-- live session sells: every line for the same host and platform, sold now, spread over the
-- products. Each request has its own order id (run, thread, counter and a random part) and an
-- Idempotency-Key equal to it.
-- Arguments (after `--`): host id, a file with one product id a line, a run id.
local threads = {}

function setup(thread)
  thread:set("thread_number", #threads + 1)
  table.insert(threads, thread)
end

local host, run
local products = {}
local counter = 0
local headers = {}

function init(args)
  host = args[1]
  run = args[3]
  for line in io.lines(args[2]) do
    if #line > 0 then
      table.insert(products, line)
    end
  end
  math.randomseed(os.time() + 7919 * (thread_number or 1))
  headers["Content-Type"] = "application/json"
  headers["Authorization"] = wrk.headers["Authorization"]
end

function request()
  counter = counter + 1
  local order = string.format("W-%s-%d-%d-%d", run, thread_number or 1, counter, math.random(1, 1000000000))
  local body = string.format(
    '{"platform":"douyin","external_order_id":"%s","sold_at":"%s","influencer_id":"%s",' ..
    '"product_id":"%s","quantity":%d,"unit_price":"%d.%02d"}',
    order, os.date("!%Y-%m-%dT%H:%M:%SZ"), host, products[math.random(#products)],
    math.random(1, 5), math.random(10, 499), math.random(0, 99))
  headers["Idempotency-Key"] = order
  return wrk.format("POST", "/v1/sales", headers, body)
end
