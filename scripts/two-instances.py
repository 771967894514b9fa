#!/usr/bin/env python3
"""The checks of scripts/two-instances: two `mcn serve` instances behind HAProxy, one database.

Every check drives the service through the balancer. HAProxy tags each answer with the instance
that gave it (X-Mcn-Backend: a or b) and balances round robin, so a request is steered to an
instance by first asking the balancer for /healthz and reading who answered (the next request
goes to the other); the tag of the answer proves where it went. Where a check needs two things to
happen at once on both instances, it sends them straight to each instance.

Python 3 with the standard library only; psql for the few facts only the database tells.
Environment (set by scripts/two-instances): MCN_LB, MCN_A, MCN_B (base URLs), DATABASE_URL,
MCN_A_PID, MCN_B_PID, MCN_A_LOG, MCN_B_LOG (JSON logs), MCN_SWEEP_SECS.
Exit status 0 only when every check passed.
"""

import base64
import concurrent.futures
import datetime
import hashlib
import hmac
import http.client
import http.server
import json
import os
import subprocess
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from decimal import Decimal

LB = os.environ["MCN_LB"]
DIRECT = {"a": os.environ["MCN_A"], "b": os.environ["MCN_B"]}
PIDS = {"a": os.environ.get("MCN_A_PID", ""), "b": os.environ.get("MCN_B_PID", "")}
LOGS = {"a": os.environ.get("MCN_A_LOG", ""), "b": os.environ.get("MCN_B_LOG", "")}
DATABASE_URL = os.environ["DATABASE_URL"]
SWEEP_SECS = int(os.environ.get("MCN_SWEEP_SECS", "2"))
RUN = uuid.uuid4().hex[:10]
PASSWORD = "two-instances-password-0123"
OTHER = {"a": "b", "b": "a"}


class CheckFailed(Exception):
    pass


def expect(condition, message):
    if not condition:
        raise CheckFailed(message)


# ------------------------------------------------------------------------------------------
# HTTP


class Answer:
    def __init__(self, status, headers, raw):
        self.status = status
        self.headers = headers
        self.raw = raw
        try:
            self.json = json.loads(raw) if raw else None
        except ValueError:
            self.json = None

    @property
    def backend(self):
        return self.headers.get("x-mcn-backend")

    @property
    def code(self):
        return self.json.get("code") if isinstance(self.json, dict) else None

    def __repr__(self):
        return f"{self.status} from {self.backend or '?'}: {self.raw[:300]!r}"


def call(base, method, path, body=None, token=None, headers=None, source=None, timeout=60):
    """One request on a new connection; `source` binds the client side to another loopback
    address (the client address the balancer forwards)."""
    url = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(
        url.hostname, url.port, timeout=timeout, source_address=(source, 0) if source else None
    )
    sent = dict(headers or {})
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        sent.setdefault("Content-Type", "application/json")
    if token:
        sent["Authorization"] = f"Bearer {token}"
    try:
        connection.request(method, path, body=data, headers=sent)
        response = connection.getresponse()
        raw = response.read().decode("utf-8", "replace")
        return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, raw)
    finally:
        connection.close()


def lb(method, path, on=None, **kwargs):
    """A request through the balancer; with `on`, steered to that instance (and proven)."""
    if on is not None:
        for _ in range(4):
            probe = call(LB, "GET", "/healthz")
            if probe.backend == OTHER[on]:
                break
        else:
            raise CheckFailed(f"the balancer never answered from {OTHER[on]} (round robin?)")
    answer = call(LB, method, path, **kwargs)
    if on is not None and answer.backend != on:
        raise CheckFailed(f"{method} {path} was meant for {on} but {answer.backend} answered")
    return answer


def ok(answer, status, what):
    expect(answer.status == status, f"{what}: expected {status}, got {answer!r}")
    return answer.json


def psql(sql):
    out = subprocess.run(
        ["psql", "-X", "-At", "-v", "ON_ERROR_STOP=1", "-d", DATABASE_URL, "-c", sql],
        check=True, capture_output=True, text=True,
    )
    return out.stdout.strip()


def wait_for(what, predicate, timeout, interval=0.2):
    deadline = time.time() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.time() > deadline:
            raise CheckFailed(f"timed out after {timeout} s waiting for {what}")
        time.sleep(interval)


# ------------------------------------------------------------------------------------------
# Fixtures: an agency of this run, its owner, a host and a product.


class Agency:
    def __init__(self):
        self.owner_email = f"owner-{RUN}@two-instances.example.com"
        signup = lb("POST", "/v1/auth/signup", body={
            "agency_name": f"Two instances {RUN}", "email": self.owner_email, "password": PASSWORD})
        body = ok(signup, 201, "sign-up")
        self.id = body["agency"]["id"]
        self.token = self.login(self.owner_email)["access_token"]
        self.hosts = []
        self.product = ok(lb("POST", "/v1/products", token=self.token, body={
            "sku": f"TWO-{RUN}", "name": "Two instances mug", "list_price": "25.00",
            "commission_percent": "10"}), 201, "product")["id"]
        self.sales = []  # (external order id, quantity, unit price)

    def login(self, email, on=None, password=PASSWORD):
        answer = lb("POST", "/v1/auth/login", on=on, body={"email": email, "password": password})
        return ok(answer, 200, f"login as {email}")

    def new_host(self, on):
        host = ok(lb("POST", "/v1/influencers", on=on, token=self.token, body={
            "kind": "human", "stage_name": f"Host {len(self.hosts) + 1} {RUN}"}), 201, "host")
        self.hosts.append(host["id"])
        return host["id"]

    def sale_body(self, order, quantity, price):
        sold_at = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1))
        return {"platform": "douyin", "external_order_id": order,
                "sold_at": sold_at.strftime("%Y-%m-%dT%H:%M:%SZ"), "influencer_id": self.hosts[0],
                "product_id": self.product, "quantity": quantity, "unit_price": price}

    def post_sale(self, order, quantity, price, on=None, base=None, key=None):
        headers = {"Idempotency-Key": key or order}
        body = self.sale_body(order, quantity, price)
        if base:
            answer = call(base, "POST", "/v1/sales", body=body, token=self.token, headers=headers)
        else:
            answer = lb("POST", "/v1/sales", on=on, body=body, token=self.token, headers=headers)
        if answer.status == 201:
            self.sales.append((order, quantity, Decimal(price)))
        return answer

    def new_user(self, role="manager"):
        email = f"{role}-{uuid.uuid4().hex[:8]}-{RUN}@two-instances.example.com"
        ok(lb("POST", "/v1/users", token=self.token, body={
            "email": email, "password": PASSWORD, "display_name": email.split("@")[0],
            "role": role}), 201, "new user")
        return email


# ------------------------------------------------------------------------------------------
# The webhook receiver: records every delivery, its signature check and which instance sent it.


def socket_owner(client_port, server_port):
    """The instance (a or b) whose process holds the TCP connection from client_port to
    server_port on loopback, found through /proc; None when it cannot be told."""
    try:
        inode = None
        with open("/proc/net/tcp") as table:
            for line in table.readlines()[1:]:
                fields = line.split()
                local, remote = fields[1], fields[2]
                if int(local.split(":")[1], 16) == client_port and int(remote.split(":")[1], 16) == server_port:
                    inode = fields[9]
                    break
        if not inode:
            return None
        target = f"socket:[{inode}]"
        for name, pid in PIDS.items():
            if not pid:
                continue
            directory = f"/proc/{pid}/fd"
            for fd in os.listdir(directory):
                try:
                    if os.readlink(os.path.join(directory, fd)) == target:
                        return name
                except OSError:
                    continue
    except OSError:
        return None
    return None


class Receiver:
    def __init__(self):
        self.deliveries = []
        self.lock = threading.Lock()
        self.secret = None
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("content-length", "0"))
                body = self.rfile.read(length).decode()
                sender = socket_owner(self.client_address[1], self.server.server_address[1])
                with receiver.lock:
                    receiver.deliveries.append({
                        "id": self.headers.get("webhook-id"),
                        "timestamp": self.headers.get("webhook-timestamp"),
                        "signature": self.headers.get("webhook-signature"),
                        "body": body,
                        "sender": sender,
                        "received_at": time.time(),
                    })
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def events(self, of_type=None):
        with self.lock:
            items = list(self.deliveries)
        out = []
        for item in items:
            event = json.loads(item["body"])
            if of_type is None or event["type"] == of_type:
                out.append((item, event))
        return out

    def signature_ok(self, item):
        key = base64.b64decode(self.secret[len("whsec_"):])
        signed = f"{item['id']}.{item['timestamp']}.{item['body']}".encode()
        expected = "v1," + base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        offered = [part for part in (item["signature"] or "").split(" ") if part]
        fresh = abs(time.time() - int(item["timestamp"])) < 300
        return fresh and any(hmac.compare_digest(expected, part) for part in offered)


# ------------------------------------------------------------------------------------------
# The checks. Each answers a one-line summary or raises CheckFailed.


def check_balancer(ctx):
    seen = [call(LB, "GET", "/healthz").backend for _ in range(6)]
    expect(set(seen) == {"a", "b"}, f"answers came from {seen}")
    alternating = all(seen[i] != seen[i + 1] for i in range(len(seen) - 1))
    expect(alternating, f"round robin expected, answers came from {seen}")
    for name, base in DIRECT.items():
        ok(call(base, "GET", "/readyz"), 200, f"{name} ready")
    return f"/healthz answered by {''.join(seen)} (round robin); both instances ready"


def check_logins(ctx):
    agency = ctx["agency"]
    proofs = []
    for first in ("a", "b"):
        tokens = agency.login(agency.owner_email, on=first)
        me = ok(lb("GET", "/v1/me", on=OTHER[first], token=tokens["access_token"]), 200,
                f"token from {first} at {OTHER[first]}")
        expect(me["user"]["email"] == agency.owner_email, f"/v1/me answered {me}")
        proofs.append(f"{first}->{OTHER[first]}")
    # And straight to each instance, without the balancer.
    tokens = ok(call(DIRECT["a"], "POST", "/v1/auth/login",
                     body={"email": agency.owner_email, "password": PASSWORD}), 200, "login at a")
    ok(call(DIRECT["b"], "GET", "/v1/me", token=tokens["access_token"]), 200, "a's token at b")
    return f"access tokens issued by one instance accepted by the other ({', '.join(proofs)}, direct a->b)"


def check_refresh(ctx):
    agency = ctx["agency"]
    email = agency.new_user("analyst")
    first = agency.login(email, on="a")
    rotated = ok(lb("POST", "/v1/auth/refresh", on="a", body={"refresh_token": first["refresh_token"]}),
                 200, "refresh at a")
    expect(rotated["refresh_token"] != first["refresh_token"], "the refresh token was not rotated")
    reuse = lb("POST", "/v1/auth/refresh", on="b", body={"refresh_token": first["refresh_token"]})
    expect(reuse.status == 401 and reuse.code == "invalid_refresh_token",
           f"reuse of the spent token at b: {reuse!r}")
    after = lb("POST", "/v1/auth/refresh", on="a", body={"refresh_token": rotated["refresh_token"]})
    expect(after.status == 401 and after.code == "invalid_refresh_token",
           f"the family's live token after the reuse: {after!r}")
    user_id = psql(f"SELECT id FROM users WHERE email = '{email}'")
    ctx["spent_tokens_user"] = user_id
    audit = psql(f"SELECT count(*) FROM audit_events WHERE agency_id = '{agency.id}' "
                 f"AND action = 'auth.refresh_reuse' AND entity_id = '{user_id}'")
    expect(audit == "1", f"{audit} auth.refresh_reuse audit events, expected 1")
    live = psql(f"SELECT count(*) FROM refresh_tokens WHERE user_id = '{user_id}' AND revoked_at IS NULL")
    expect(live == "0", f"{live} tokens of the family still live")
    access = lb("GET", "/v1/me", token=rotated["access_token"])

    # The same token at both instances at once: exactly one rotation, the other is a reuse and
    # revokes the winner's new token too.
    races = []
    for _ in range(3):
        pair = agency.login(email)
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(
                lambda base: call(base, "POST", "/v1/auth/refresh", body={"refresh_token": pair["refresh_token"]}),
                [DIRECT["a"], DIRECT["b"]]))
        statuses = sorted(a.status for a in answers)
        expect(statuses == [200, 401], f"one token refreshed at a and b at once: {answers}")
        winner = next(a for a in answers if a.status == 200).json
        revoked = lb("POST", "/v1/auth/refresh", body={"refresh_token": winner["refresh_token"]})
        expect(revoked.status == 401, f"the race winner's new token after the reuse: {revoked!r}")
        races.append("ok")
    return ("rotated at a; the spent token at b is 401 invalid_refresh_token, the family revoked "
            f"(new refresh token 401, 1 audit event, 0 live tokens; its access token stays valid "
            f"until expiry by design: /v1/me {access.status}); "
            f"{len(races)} simultaneous refreshes at a and b: one 200, one 401, family revoked")


def check_throttle(ctx):
    agency = ctx["agency"]
    email = agency.new_user("analyst")
    answers = []
    for attempt in range(7):
        on = "a" if attempt % 2 == 0 else "b"
        answers.append(lb("POST", "/v1/auth/login", on=on, body={"email": email, "password": "wrong-password-123"}))
    statuses = [a.status for a in answers]
    expect(statuses[:5] == [401] * 5, f"the first five failures: {statuses}")
    expect(statuses[5:] == [429, 429], f"the sixth and seventh: {statuses}")
    expect(all(a.headers.get("retry-after") for a in answers[5:]), "429 without Retry-After")
    # The right password is refused as well while the account's window lasts, at either instance.
    right = [lb("POST", "/v1/auth/login", on=on, body={"email": email, "password": PASSWORD}) for on in ("a", "b")]
    expect([a.status for a in right] == [429, 429], f"the right password during the window: {right}")
    summary = (f"per account: failures alternating a/b answered {statuses} "
               f"(Retry-After {answers[5].headers.get('retry-after')} s), right password 429 at both")
    return summary + "; " + check_address_throttle(ctx)


def check_address_throttle(ctx):
    """The per-address limit counts the client address HAProxy forwards (X-Forwarded-For), from
    both instances together; a client's own X-Forwarded-For is not believed."""
    limit = int(os.environ.get("MCN_ADDRESS_LIMIT", "50"))
    agency = ctx["agency"]
    client, bystander = "127.0.0.2", "127.0.0.3"
    statuses = []

    def attempt(i):
        email = f"nobody-{i}-{RUN}@two-instances.example.com"
        return call(LB, "POST", "/v1/auth/login", source=client,
                    body={"email": email, "password": "wrong-password-123"})

    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(attempt, range(limit)))
    statuses = [a.status for a in answers]
    backends = {a.backend for a in answers}
    expect(statuses == [401] * limit, f"{limit} failures from {client}: {sorted(set(statuses))}")
    expect(backends == {"a", "b"}, f"the failures reached {backends}")
    over = call(LB, "POST", "/v1/auth/login", source=client,
                body={"email": agency.owner_email, "password": PASSWORD})
    expect(over.status == 429, f"attempt {limit + 1} from {client}: {over!r}")
    spoofed = call(LB, "POST", "/v1/auth/login", source=client,
                   headers={"X-Forwarded-For": "203.0.113.7", "Forwarded": "for=203.0.113.7"},
                   body={"email": agency.owner_email, "password": PASSWORD})
    expect(spoofed.status == 429, f"from {client} claiming another address: {spoofed!r}")
    other = call(LB, "POST", "/v1/auth/login", source=bystander,
                 body={"email": agency.owner_email, "password": PASSWORD})
    expect(other.status == 200, f"from {bystander}: {other!r}")
    return (f"per address: {limit} failures from {client} through both instances, then 429 "
            f"(also with a forged X-Forwarded-For), while {bystander} logs in")


def check_idempotency(ctx):
    agency = ctx["agency"]
    key = f"idem-{RUN}"
    ctx["idempotency_key"] = key
    first = agency.post_sale(f"IDEM-{RUN}", 2, "19.90", on="a", key=key)
    ok(first, 201, "the first POST at a")
    again = agency.post_sale(f"IDEM-{RUN}", 2, "19.90", on="b", key=key)
    expect(again.status == 201 and again.headers.get("idempotent-replayed") == "true",
           f"the same POST at b: {again!r}")
    expect(again.json == first.json and again.headers.get("location") == first.headers.get("location"),
           "the replay at b is not the first answer")
    other = agency.post_sale(f"IDEM-{RUN}-changed", 3, "19.90", on="b", key=key)
    expect(other.status == 422 and other.code == "idempotency_key_reused", f"another body at b: {other!r}")
    rows = psql(f"SELECT count(*) FROM sales WHERE agency_id = '{agency.id}' AND external_order_id LIKE 'IDEM-{RUN}%'")
    expect(rows == "1", f"{rows} sales for the key, expected 1")
    agency.sales = [s for s in agency.sales if s[0] != f"IDEM-{RUN}"] + [(f"IDEM-{RUN}", 2, Decimal("19.90"))]

    # The same request at both instances at once.
    outcomes = []
    for round_ in range(5):
        order = f"IDEM-RACE-{round_}-{RUN}"
        body = agency.sale_body(order, 1, "5.00")
        headers = {"Idempotency-Key": order}
        with concurrent.futures.ThreadPoolExecutor(2) as pool:
            answers = list(pool.map(
                lambda base: call(base, "POST", "/v1/sales", body=body, token=agency.token, headers=headers),
                [DIRECT["a"], DIRECT["b"]]))
        statuses = sorted(a.status for a in answers)
        created = [a for a in answers if a.status == 201]
        expect(created, f"round {round_}: no 201 ({answers})")
        expect(all(a.status == 201 or (a.status == 409 and a.code == "idempotency_request_in_flight")
                   for a in answers), f"round {round_}: {answers}")
        expect(all(a.json == created[0].json for a in created), f"round {round_}: two different answers")
        # A 409 means: retry shortly. The retry replays.
        if len(created) == 1:
            retry = agency.post_sale(order, 1, "5.00", on="b", key=order)
            expect(retry.status == 201 and retry.json == created[0].json, f"round {round_} retry: {retry!r}")
        else:
            agency.sales.append((order, 1, Decimal("5.00")))
        rows = psql(f"SELECT count(*) FROM sales WHERE agency_id = '{agency.id}' AND external_order_id = '{order}'")
        expect(rows == "1", f"round {round_}: {rows} sales")
        outcomes.append("/".join(str(s) for s in statuses))
    return ("201 at a, replayed at b (Idempotent-Replayed, same body and Location), another body "
            f"422 idempotency_key_reused, one sale; simultaneous at a and b: {', '.join(outcomes)}, "
            "one sale each")


def check_webhooks(ctx):
    agency, receiver = ctx["agency"], ctx["receiver"]
    # Sales through both instances, one after the other: their events in that order.
    orders = []
    for i in range(20):
        on = "a" if i % 2 == 0 else "b"
        order = f"HOOK-{i:02d}-{RUN}"
        ok(agency.post_sale(order, 1 + i % 3, "12.50", on=on), 201, f"sale {order} at {on}")
        orders.append(order)
    second_host = agency.new_host("b")
    expected = set(ctx["sales_before_hooks"]) | {s[0] for s in agency.sales}
    wait_for("sale.created deliveries", lambda: {e["data"]["external_order_id"] for _, e in receiver.events("sale.created")} >= expected, 60)
    wait_for("compliance events of both hosts",
             lambda: {e["data"]["influencer_id"] for _, e in receiver.events("compliance.violation_opened")} >= set(agency.hosts), 60)
    ctx["webhook_orders"] = orders
    return verify_deliveries(ctx, second_host)


def verify_deliveries(ctx, second_host=None):
    agency, receiver, hook = ctx["agency"], ctx["receiver"], ctx["webhook"]
    time.sleep(2)  # late duplicates, if any, arrive now
    items = receiver.events()
    ids = [item["id"] for item, _ in items]
    duplicates = {i for i in ids if ids.count(i) > 1}
    expect(not duplicates, f"delivered more than once: {sorted(duplicates)[:5]}")
    bad = [item["id"] for item, event in items if item["id"] != event["id"] or not receiver.signature_ok(item)]
    expect(not bad, f"{len(bad)} deliveries with a bad signature or id: {bad[:3]}")
    # The order: the subscription's deliveries in event order, as the API lists them (newest first).
    listed = []
    cursor = None
    while True:
        path = f"/v1/webhooks/{hook}/deliveries?limit=200" + (f"&cursor={cursor}" if cursor else "")
        page = ok(lb("GET", path, token=agency.token), 200, "deliveries")
        listed.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor:
            break
    listed.reverse()
    expect(all(d["state"] == "delivered" and d["attempt_count"] == 1 for d in listed),
           f"not all delivered at the first attempt: {[(d['state'], d['attempt_count']) for d in listed if d['state'] != 'delivered' or d['attempt_count'] != 1][:5]}")
    expect([d["event_id"] for d in listed] == ids,
           "received order differs from the event order")
    sales = [e["data"]["external_order_id"] for _, e in receiver.events("sale.created")]
    in_sequence = [o for o in sales if o in ctx.get("webhook_orders", [])]
    expect(in_sequence == ctx.get("webhook_orders", in_sequence), f"sequential sales arrived as {in_sequence}")
    opened = [e["data"] for _, e in receiver.events("compliance.violation_opened")]
    issue_ids = [d["id"] for d in opened]
    expect(len(issue_ids) == len(set(issue_ids)), "an issue was opened twice")
    unverified = [d["influencer_id"] for d in opened if d["code"] == "identity_unverified"]
    expect(sorted(unverified) == sorted(agency.hosts),
           f"identity_unverified opened for {unverified}, hosts {agency.hosts}")
    senders = {}
    for item, _ in items:
        senders[item["sender"] or "?"] = senders.get(item["sender"] or "?", 0) + 1
    ctx["senders"] = senders
    return (f"{len(items)} deliveries ({len(sales)} sale.created, {len(opened)} compliance.violation_opened: "
            f"one identity_unverified per host, hosts made at a and b), each exactly once, in event "
            f"order, signatures valid; delivered by " + ", ".join(f"{k}: {v}" for k, v in sorted(senders.items())))


def check_fold(ctx):
    agency = ctx["agency"]
    started = time.time()

    def post(i):
        answer = agency.post_sale(f"FOLD-{i:03d}-{RUN}", 1 + i % 4, f"{10 + i % 7}.{i % 100:02d}")
        return answer.status, answer.backend

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        results = list(pool.map(post, range(120)))
    expect(all(s == 201 for s, _ in results), f"sales: {sorted({s for s, _ in results})}")
    backends = {b for _, b in results}
    expect(backends == {"a", "b"}, f"the sales reached {backends}")
    wait_for("the rollup deltas folded",
             lambda: psql(f"SELECT count(*) FROM sales_rollup_delta WHERE agency_id = '{agency.id}'") == "0", 60)
    folded_in = time.time() - started
    today = datetime.datetime.now(datetime.timezone.utc).date()
    path = f"/v1/reports/gmv?from={today - datetime.timedelta(days=3)}&to={today + datetime.timedelta(days=3)}&group_by=platform"
    reports = {name: ok(call(base, "GET", path, token=agency.token), 200, f"GMV at {name}") for name, base in DIRECT.items()}
    expect(reports["a"] == reports["b"], "the instances answer different GMV reports")
    rows = reports["a"]["rows"]
    expect(len(rows) == 1, f"rows: {rows}")
    row = rows[0]
    orders = len(agency.sales)
    units = sum(q for _, q, _ in agency.sales)
    gross = sum(q * p for _, q, p in agency.sales)
    got = (int(row["orders"]), int(row["units"]), Decimal(row["gross"]), Decimal(row["net"]))
    expect(got == (orders, units, gross, gross), f"report {got}, the checker's own ledger {(orders, units, gross, gross)}")
    ledger = psql(f"SELECT count(*) || ' ' || sum(quantity) || ' ' || sum(gross) FROM sales WHERE agency_id = '{agency.id}'")
    in_table = ledger.split()
    expect(len(in_table) == 3 and (int(in_table[0]), int(in_table[1]), Decimal(in_table[2])) == (orders, units, gross),
           f"the sales table says {ledger}, the checker's ledger {(orders, units, gross)}")
    folds = {name: log_lines(name, "folded rollup deltas") for name in DIRECT}
    return (f"120 concurrent sales through both instances folded in {folded_in:.1f} s; GMV at a = at b = the "
            f"ledger ({orders} orders, {units} units, {gross} CNY); folds logged by a: {folds['a']}, b: {folds['b']}")


def check_purge(ctx):
    agency = ctx["agency"]
    marker = f"account:planted-{RUN}@two-instances.example.com"
    # Rows the sweep must delete: a spent refresh token expired two days ago, a failed-login
    # counter of a window that ended days ago, an idempotency key of three days ago; and one of
    # each it must keep.
    psql(f"UPDATE refresh_tokens SET expires_at = now() - interval '2 days' "
         f"WHERE agency_id = '{agency.id}' AND user_id = '{ctx['spent_tokens_user']}'")
    expired_tokens = psql(f"SELECT count(*) FROM refresh_tokens WHERE agency_id = '{agency.id}' AND expires_at < now() - interval '1 day'")
    psql(f"INSERT INTO login_throttle (key, window_started_at, failures) VALUES ('{marker}', now() - interval '3 days', 3)")
    psql(f"UPDATE idempotency_keys SET started_at = now() - interval '3 days' WHERE agency_id = '{agency.id}' AND key = '{ctx['idempotency_key']}'")
    kept_before = psql(f"SELECT count(*) FROM idempotency_keys WHERE agency_id = '{agency.id}'")
    expect(int(expired_tokens) >= 1, "no refresh token to expire")

    def gone():
        left = psql(
            f"SELECT (SELECT count(*) FROM refresh_tokens WHERE agency_id = '{agency.id}' AND expires_at < now() - interval '1 day') "
            f"+ (SELECT count(*) FROM login_throttle WHERE key = '{marker}') "
            f"+ (SELECT count(*) FROM idempotency_keys WHERE agency_id = '{agency.id}' AND key = '{ctx['idempotency_key']}')")
        return left == "0"

    started = time.time()
    wait_for("the sweep to delete the planted rows", gone, 4 * SWEEP_SECS + 10)
    took = time.time() - started
    kept_after = psql(f"SELECT count(*) FROM idempotency_keys WHERE agency_id = '{agency.id}'")
    expect(int(kept_after) == int(kept_before) - 1, f"idempotency keys {kept_before} -> {kept_after}: the sweep took more")
    time.sleep(SWEEP_SECS + 1)  # both instances sweep at least once more
    purges = {name: log_lines(name, "purged expired rows") for name in DIRECT}
    expect(sum(purges.values()) >= 1, "no instance logged a purge")
    return (f"{expired_tokens} expired refresh token(s), an old login counter and an old idempotency key deleted "
            f"{took:.1f} s after planting (sweep every {SWEEP_SECS} s on both), newer keys kept; "
            f"purges logged by a: {purges['a']}, b: {purges['b']}")


def check_calendar(ctx):
    agency = ctx["agency"]
    feed = ok(lb("POST", "/v1/me/calendar-feed", on="a", token=agency.token, headers={"Host": "mcn.example.com:8443"}),
              201, "calendar feed at a")
    url = urllib.parse.urlsplit(feed["url"])
    expect(feed["url"].startswith("http://mcn.example.com:8443/"), f"the feed URL names {feed['url']}")
    spoofed = ok(lb("POST", "/v1/me/calendar-feed", on="a", token=agency.token,
                    headers={"X-Forwarded-Host": "evil.example.net", "X-Forwarded-Proto": "https"}), 201, "feed")
    expect(urllib.parse.urlsplit(spoofed["url"]).hostname != "evil.example.net" and spoofed["url"].startswith("http://"),
           f"a client's X-Forwarded-Host/Proto were believed: {spoofed['url']}")
    ics = lb("GET", urllib.parse.urlsplit(spoofed["url"]).path, on="b")
    expect(ics.status == 200 and "BEGIN:VCALENDAR" in ics.raw, f"the feed at b: {ics!r}")
    old = lb("GET", url.path, on="b")
    expect(old.status == 404, f"the replaced feed URL at b: {old!r}")
    return "a feed URL made at a names the Host the client used, serves at b, the replaced one is 404 at b; forged X-Forwarded-Host/Proto ignored"


def log_lines(name, message):
    count = 0
    try:
        with open(LOGS[name]) as log:
            for line in log:
                if message in line:
                    count += 1
    except OSError:
        return 0
    return count


def check_logs(ctx):
    problems = []
    counts = {}
    for name in DIRECT:
        warnings = 0
        with open(LOGS[name]) as log:
            for line in log:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                if entry.get("level") in ("WARN", "ERROR"):
                    warnings += 1
                    problems.append(f"{name}: {line.strip()[:300]}")
        counts[name] = warnings
    expect(not problems, "warnings or errors in the instances' logs:\n      " + "\n      ".join(problems[:10]))
    return "no warning or error in either instance's log (background sweeps included)"


CHECKS = [
    ("balancer", "round robin and health checks", check_balancer),
    ("1 logins", "tokens from either instance accepted by the other", check_logins),
    ("2 refresh", "rotation, reuse detection and family revocation across instances", check_refresh),
    ("3 throttling", "failed logins counted together (account and forwarded address)", check_throttle),
    ("4 idempotency", "same key at a then b: same answer, one record", check_idempotency),
    ("5 webhooks", "events caused via both instances delivered once each, in order, signed", check_webhooks),
    ("6a fold", "rollup deltas folded with both instances' folders running, GMV = ledger", check_fold),
    ("6b purge", "expired rows swept with both instances sweeping", check_purge),
    ("5b webhooks", "every delivery of the run (fold sales included) once, in order, signed", None),
    ("extra calendar", "forwarded host and scheme, feed URL across instances", check_calendar),
    ("logs", "no warnings or errors from either instance", check_logs),
]


def main():
    ctx = {}
    results = []
    try:
        ctx["receiver"] = Receiver()
        agency = ctx["agency"] = Agency()
        agency.new_host("a")
        ctx["sales_before_hooks"] = []
        hook = ok(lb("POST", "/v1/webhooks", token=agency.token, body={
            "url": f"http://127.0.0.1:{ctx['receiver'].port}/hooks/{RUN}",
            "events": ["sale.created", "compliance.violation_opened"]}), 201, "webhook")
        ctx["webhook"] = hook["id"]
        ctx["receiver"].secret = hook["secret"]
    except Exception as error:  # noqa: BLE001 - the fixtures failing fails everything
        print(f"setup FAILED: {error}")
        traceback.print_exc()
        return 1
    for label, title, check in CHECKS:
        if check is None:
            def check(ctx):
                expected = {s[0] for s in ctx["agency"].sales}
                wait_for("every sale.created delivery",
                         lambda: {e["data"]["external_order_id"] for _, e in ctx["receiver"].events("sale.created")} >= expected, 240)
                return verify_deliveries(ctx)
        started = time.time()
        try:
            detail = check(ctx)
            results.append((label, "PASS"))
            print(f"[PASS] {label}: {title} ({time.time() - started:.1f} s)\n       {detail}", flush=True)
        except Exception as error:  # noqa: BLE001 - every check runs and reports
            results.append((label, "FAIL"))
            kind = "" if isinstance(error, CheckFailed) else f"{type(error).__name__}: "
            print(f"[FAIL] {label}: {title}\n       {kind}{error}", flush=True)
            if not isinstance(error, CheckFailed):
                traceback.print_exc()
    failed = [label for label, verdict in results if verdict != "PASS"]
    print()
    print(f"{len(results) - len(failed)} of {len(results)} checks passed" + (f"; failed: {', '.join(failed)}" if failed else ""))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
