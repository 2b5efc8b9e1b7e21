"""The server's check of one request: strict SigV4 and the wire format, so that no variant cheats.

The signature is checked by the emulator's verifier (written from the AWS specification,
not from botocore); the rest is what the service model says each operation sends, with
this benchmark's payloads (``_inputs``): method, path, query parameters, content type and
the body as a JSON value (update and copy documents decoded, since SDKs space them
differently). A variant that skips signing, signs stale or wrong bytes, or sends a
different request fails here, and the benchmark stops.
"""

from __future__ import annotations

import base64
import calendar
import json
import re
import time
from collections.abc import Mapping
from urllib.parse import parse_qsl

from healthimaging_client.testing._sigv4 import parse_authorization, verify

from . import _inputs as i

_DS = re.escape(i.DATASTORE_ID)
_IMAGE_SET = r"/imageSet/(?P<image_set>[0-9a-f]{32})"
#: Operation: (path pattern, query names allowed, query values required, body expected).
_OPERATIONS: dict[str, tuple[re.Pattern[str], frozenset[str], dict[str, str], object]] = {
    "searchImageSets": (
        re.compile(rf"/datastore/{_DS}/searchImageSets"),
        frozenset({"maxResults", "nextToken"}),
        {},
        i.SEARCH_BODY,
    ),
    "getImageSetMetadata": (
        re.compile(rf"/datastore/{_DS}{_IMAGE_SET}/getImageSetMetadata"),
        frozenset({"version"}),
        {},
        None,
    ),
    "listImageSetVersions": (
        re.compile(rf"/datastore/{_DS}{_IMAGE_SET}/listImageSetVersions"),
        frozenset({"maxResults", "nextToken"}),
        {},
        None,
    ),
    "updateImageSetMetadata": (
        re.compile(rf"/datastore/{_DS}{_IMAGE_SET}/updateImageSetMetadata"),
        frozenset({"latestVersion", "force"}),
        {"latestVersion": i.LATEST_VERSION},
        i.UPDATE_BODY,
    ),
    "copyImageSet": (
        re.compile(rf"/datastore/{_DS}{_IMAGE_SET}/copyImageSet"),
        frozenset({"force", "promoteToPrimary"}),
        {},
        i.COPY_BODY,
    ),
}
#: How far x-amz-date may be from the server's clock (the service allows 15 minutes).
_SKEW = 15 * 60


def _decoded(action: str, body: object) -> object:
    """The body with its embedded documents decoded, to compare with ``_inputs``."""
    if action == "updateImageSetMetadata" and isinstance(body, dict):
        updates = body.get("DICOMUpdates", {})
        if isinstance(updates, dict) and isinstance(updates.get("updatableAttributes"), str):
            updates["updatableAttributes"] = json.loads(base64.b64decode(updates["updatableAttributes"]))
    if action == "copyImageSet" and isinstance(body, dict):
        copies = body.get("sourceImageSet", {}).get("DICOMCopies", {})
        if isinstance(copies, dict) and isinstance(copies.get("copiableAttributes"), str):
            copies["copiableAttributes"] = json.loads(copies["copiableAttributes"])
    return body


def _fresh(amz_date: str) -> bool:
    try:
        signed_at = calendar.timegm(time.strptime(amz_date, "%Y%m%dT%H%M%SZ"))
    except ValueError:
        return False
    return abs(time.time() - signed_at) <= _SKEW


def check(method: str, target: str, headers: Mapping[str, str], body: bytes, host: str) -> str | None:
    """None when the request is what a correct client sends; otherwise why not (no secrets in it)."""
    path, _, query = target.partition("?")
    action = path.rsplit("/", 1)[-1]
    if method != "POST":
        return f"{action}: method {method}, not POST"
    if action not in _OPERATIONS:
        return f"unknown path {path}"
    pattern, allowed, required, expected = _OPERATIONS[action]
    if not pattern.fullmatch(path):
        return f"{action}: path {path} is not the model's"
    pairs = parse_qsl(query, keep_blank_values=True)
    names = [name for name, _ in pairs]
    if len(set(names)) != len(names) or not set(names) <= allowed:
        return f"{action}: query parameters {sorted(names)}"
    for name, value in required.items():
        if dict(pairs).get(name) != value:
            return f"{action}: query parameter {name} missing or wrong"
    if headers.get("host") != host:
        return f"{action}: host header {headers.get('host')!r}, expected {host!r}"
    if body:
        if not headers.get("content-type", "").startswith("application/json"):
            return f"{action}: a body without Content-Type application/json"
        try:
            value = _decoded(action, json.loads(body))
        except ValueError:
            return f"{action}: the body is not JSON"
    else:
        value = None
    if value != expected and not (expected is None and value == {}):
        return f"{action}: the body is not this workload's"
    auth = parse_authorization(headers.get("authorization", ""))
    if auth is None or (auth.region, auth.service) != (i.REGION, i.SERVICE):
        return f"{action}: not signed for {i.SERVICE} in {i.REGION}"
    if not _fresh(headers.get("x-amz-date", "")):
        return f"{action}: x-amz-date missing or more than 15 minutes off"
    problem = verify(
        method=method,
        raw_path=path,
        raw_query=query,
        headers=headers,
        body=body,
        secret_for=lambda key: i.SECRET_KEY if key == i.ACCESS_KEY else None,
    )
    return f"{action}: {problem}" if problem else None
