"""schemathesis hooks and checks of scripts/contract-test.

`created_resources_stay_in_their_agency`: every 201 with a `Location` is read back with both
agencies' tokens; at most the creator's agency may read it, the other must get 404.

`If-Match` carries the version the client read. The document declares its grammar, but no
schema can say "the object's current version", so a generated, well-formed If-Match names a
version at random and the server rightly answers 412. Like a real client, a PATCH that sends
If-Match in positive mode first reads the object and sends the ETag it got (or no If-Match when
there is nothing to read); so does a POST action with If-Match, reading the object its path
ends in. Malformed If-Match
values (negative mode) are sent as generated and must be refused with 400.
"""

import json
import os
import threading

import requests
import schemathesis

BASE_URL = os.environ["CONTRACT_BASE_URL"]


@schemathesis.hook
def before_call(ctx, case, kwargs):
    headers = case.headers
    method = case.method.upper()
    if method not in ("PATCH", "POST") or not headers or "If-Match" not in headers:
        return
    # A PATCH changes the object at its path; a POST with If-Match is an action on the object
    # its path ends in (`/v1/sales/{id}/cancel` acts on `/v1/sales/{id}`).
    path = case.formatted_path
    if method == "POST":
        path = path.rsplit("/", 1)[0]
    read_headers = {"Accept": "application/json"}
    if "Authorization" in headers:
        read_headers["Authorization"] = headers["Authorization"]
    read = requests.get(BASE_URL + path, headers=read_headers, timeout=10)
    etag = read.headers.get("ETag")
    if read.status_code == 200 and etag:
        headers["If-Match"] = etag
    else:
        # Nothing to have read (no such object, or it cannot be read): a client sends no If-Match.
        del headers["If-Match"]



_TOKENS = {}
_TOKENS_LOCK = threading.Lock()


def _tokens():
    """Each agency's access token, logged in once with the credentials of the auth file."""
    with _TOKENS_LOCK:
        if not _TOKENS:
            with open(os.environ["CONTRACT_AUTH_FILE"]) as auth_file:
                entries = json.load(auth_file)["auth"]
            for entry in entries:
                payload = entry["loginEndpointAuth"]["payloadRaw"]
                login = requests.post(
                    BASE_URL + "/v1/auth/login",
                    data=payload,
                    headers={"Content-Type": "application/json"},
                    timeout=10,
                )
                login.raise_for_status()
                _TOKENS[entry["name"]] = login.json()["access_token"]
        return dict(_TOKENS)


@schemathesis.check
def created_resources_stay_in_their_agency(ctx, response, case):
    # schemathesis hands headers over as lists, keyed in lower case.
    location = next(
        (values for name, values in response.headers.items() if name.lower() == "location"), None
    )
    if isinstance(location, list):
        location = location[0] if location else None
    if response.status_code != 201 or not location:
        return None
    if "/v1/calendar/" in location:
        # A calendar feed URL is a capability: whoever holds it reads it, without a token.
        return None
    readers = {}
    for name, token in _tokens().items():
        read = requests.get(
            # An absolute Location (the calendar feed's URL) is read as it is.
            location if location.startswith(("http://", "https://")) else BASE_URL + location,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=10,
        )
        readers[name] = read.status_code
    # At most the creator's agency reads it; every other agency gets 404 (a sign-up creates a
    # third agency, whose objects neither reads).
    statuses = list(readers.values())
    if statuses.count(200) > 1 or any(status not in (200, 404) for status in statuses):
        raise AssertionError(
            f"GET {location} as each agency answered {readers}; only its own agency may read it, "
            "the other must get 404"
        )
    return True
