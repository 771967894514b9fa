"""schemathesis hooks of scripts/contract-test.

`If-Match` carries the version the client read. The document declares its grammar, but no
schema can say "the object's current version", so a generated, well-formed If-Match names a
version at random and the server rightly answers 412. Like a real client, a PATCH that sends
If-Match in positive mode first reads the object and sends the ETag it got (or no If-Match when
there is nothing to read). Malformed If-Match
values (negative mode) are sent as generated and must be refused with 400.
"""

import os

import requests
import schemathesis

BASE_URL = os.environ["CONTRACT_BASE_URL"]


@schemathesis.hook
def before_call(ctx, case, kwargs):
    headers = case.headers
    if case.method.upper() != "PATCH" or not headers or "If-Match" not in headers:
        return
    read_headers = {"Accept": "application/json"}
    if "Authorization" in headers:
        read_headers["Authorization"] = headers["Authorization"]
    read = requests.get(BASE_URL + case.formatted_path, headers=read_headers, timeout=10)
    etag = read.headers.get("ETag")
    if read.status_code == 200 and etag:
        headers["If-Match"] = etag
    else:
        # Nothing to have read (no such object, or it cannot be read): a client sends no If-Match.
        del headers["If-Match"]

