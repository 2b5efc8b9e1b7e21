"""An independent SigV4 verifier, written from the AWS specification (not from botocore).

The emulator uses it to check requests, and the SDK's tests use it to prove
that what the client signs is exactly what it sends.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Callable, Mapping
from urllib.parse import quote, unquote

import attrs

_AUTH = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<key>[^/]+)/(?P<date>\d{8})/(?P<region>[^/]+)/(?P<service>[^/]+)/aws4_request,"
    r"\s*SignedHeaders=(?P<headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)


@attrs.frozen
class Authorization:
    """The parts of a SigV4 ``Authorization`` header."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization | None:
    match = _AUTH.fullmatch(value.strip())
    if match is None:
        return None
    return Authorization(
        match["key"],
        match["date"],
        match["region"],
        match["service"],
        tuple(match["headers"].split(";")),
        match["signature"],
    )


def _encode(text: str) -> str:
    return quote(text, safe="-_.~")


def canonical_query(raw_query: str) -> str:
    """Decode each name and value, then encode them per RFC 3986 and sort.

    A client that sends ``+`` for a space but signs ``%20`` fails here, as it
    fails at AWS.
    """
    if not raw_query:
        return ""
    pairs: list[tuple[str, str]] = []
    for part in raw_query.split("&"):
        name, _, value = part.partition("=")
        pairs.append((_encode(unquote(name)), _encode(unquote(value))))
    return "&".join(f"{n}={v}" for n, v in sorted(pairs))


def expected_signature(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    auth: Authorization,
    amz_date: str,
    secret_key: str,
) -> str:
    """The signature a correct client computes for this request."""
    lower = {k.lower(): v for k, v in headers.items()}
    canonical_headers = "".join(f"{name}:{' '.join(lower.get(name, '').split())}\n" for name in auth.signed_headers)
    canonical_request = "\n".join(
        [
            method.upper(),
            quote(raw_path or "/", safe="/~"),  # non-S3 services encode the (encoded) path again
            canonical_query(raw_query),
            canonical_headers,
            ";".join(auth.signed_headers),
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{auth.date}/{auth.region}/{auth.service}/aws4_request"
    string_to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical_request.encode()).hexdigest()]
    )
    key = f"AWS4{secret_key}".encode()
    for part in (auth.date, auth.region, auth.service, "aws4_request"):
        key = hmac.new(key, part.encode(), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest()


def verify(
    *,
    method: str,
    raw_path: str,
    raw_query: str,
    headers: Mapping[str, str],
    body: bytes,
    secret_for: Callable[[str], str | None],
) -> str | None:
    """None when the request is correctly signed; otherwise why not (no secret in the text)."""
    lower = {k.lower(): v for k, v in headers.items()}
    auth = parse_authorization(lower.get("authorization", ""))
    if auth is None:
        return "missing or malformed SigV4 Authorization header"
    if "host" not in auth.signed_headers or "x-amz-date" not in auth.signed_headers:
        return "host and x-amz-date must be signed"
    amz_date = lower.get("x-amz-date", "")
    if not amz_date.startswith(auth.date):
        return "x-amz-date does not match the credential scope"
    secret = secret_for(auth.access_key)
    if secret is None:
        return "unknown access key"
    expected = expected_signature(
        method=method,
        raw_path=raw_path,
        raw_query=raw_query,
        headers=headers,
        body=body,
        auth=auth,
        amz_date=amz_date,
        secret_key=secret,
    )
    if not hmac.compare_digest(expected, auth.signature):
        return "signature does not match"
    return None
