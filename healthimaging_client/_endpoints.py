"""Where requests go: the service host for a region and operation, or a custom endpoint verbatim.

The service model gives the image-set operations the host prefix
``runtime-``; the datastore, import-job and tag operations have none. A
custom endpoint (an emulator, a VPC endpoint, a proxy) serves every
operation as given: no prefix is added, which is what its users need.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import attrs

from ._masking import Masked
from .errors import ParamValidationError

_REGION = re.compile(r"[a-z]{2}(-[a-z0-9]+)+-\d+|[a-z0-9]+(-[a-z0-9]+)*")
_TRUE = ("true", "1", "yes")


def configured_endpoint(environ: Mapping[str, str] = os.environ) -> str | None:
    """The endpoint set in the environment, as boto3 reads it (service-specific first)."""
    if environ.get("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "").lower() in _TRUE:
        return None
    return environ.get("AWS_ENDPOINT_URL_MEDICAL_IMAGING") or environ.get("AWS_ENDPOINT_URL") or None


@attrs.frozen
class Endpoint:
    """The base URL of each operation: ``https://{host_prefix}{host}``, or a custom URL for all of them."""

    host: str = ""
    custom_url: str | None = None

    def url(self, host_prefix: str) -> str:
        """The base URL, without a trailing slash, for an operation with this host prefix."""
        return self.custom_url if self.custom_url is not None else f"https://{host_prefix}{self.host}"


#: The image-set operations' host prefix in the service model.
RUNTIME_PREFIX = "runtime-"


def resolve_endpoint(
    region: str,
    *,
    endpoint_url: Masked[str | None],
    use_fips_endpoint: bool,
    use_dualstack_endpoint: bool,
) -> Endpoint:
    """Where requests go: the service's hosts for ``region`` (FIPS, dual-stack, China), or ``endpoint_url``.

    The URL stays masked while it is checked: one that carries a password is refused, and the
    frames the refusal passes must not show it.
    """
    if not _REGION.fullmatch(region):  # with a custom endpoint too: the region is signed, in a header
        raise ParamValidationError(["region_name: is not a valid AWS region name"])
    if endpoint_url.value is not None:
        if use_fips_endpoint or use_dualstack_endpoint:
            raise ParamValidationError(
                ["endpoint_url: a custom endpoint cannot be combined with use_fips_endpoint or use_dualstack_endpoint"]
            )
        problem = _custom_url_problem(endpoint_url.value)
        if problem is not None:
            raise ParamValidationError([f"endpoint_url: {problem}"])
        return Endpoint(custom_url=endpoint_url.value.rstrip("/"))
    service = "medical-imaging-fips" if use_fips_endpoint else "medical-imaging"
    if use_dualstack_endpoint:
        suffix = "api.amazonwebservices.com.cn" if region.startswith("cn-") else "api.aws"
    else:
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return Endpoint(host=f"{service}.{region}.{suffix}")


def _custom_url_problem(url: str) -> str | None:
    """What is wrong with a custom endpoint URL, in words without its parts; None when it is usable."""
    if not url.isprintable() or any(c.isspace() for c in url):
        # urlsplit strips some of them and httpx refuses others, one request later, after retries.
        return "must not contain whitespace or control characters"
    if not url.isascii():
        return "must be ASCII (write an international host name as punycode)"
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "must be an http:// or https:// URL with a host"
    if parts.query or parts.fragment:
        return "must not carry a query or a fragment"
    try:
        parts.port  # noqa: B018 (parsing the port is the check)
    except ValueError:
        return "has a port that is not a number from 0 to 65535"
    if parts.username is not None or parts.password is not None:
        # httpx would turn them into Basic auth over the signature, and the client's repr would show them.
        return "must not carry a user name or password"
    if not _parses(url):
        return "is not a URL that httpx can send to"
    return None


def _parses(url: str) -> bool:
    """Whether httpx takes the URL (it is stricter than urlsplit about hosts and ports)."""
    import httpx

    try:
        httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return False
    return True
