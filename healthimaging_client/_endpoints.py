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
    endpoint_url: str | None,
    use_fips_endpoint: bool,
    use_dualstack_endpoint: bool,
) -> Endpoint:
    """Where requests go: the service's hosts for ``region`` (FIPS, dual-stack, China), or ``endpoint_url``."""
    if endpoint_url is not None:
        if use_fips_endpoint or use_dualstack_endpoint:
            raise ParamValidationError(
                ["endpoint_url: a custom endpoint cannot be combined with use_fips_endpoint or use_dualstack_endpoint"]
            )
        parts = urlsplit(endpoint_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ParamValidationError(["endpoint_url: must be an http:// or https:// URL with a host"])
        if parts.query or parts.fragment:
            raise ParamValidationError(["endpoint_url: must not carry a query or a fragment"])
        try:
            parts.port  # noqa: B018 (parsing the port is the check)
        except ValueError:
            raise ParamValidationError(["endpoint_url: has a port that is not a number"]) from None
        if parts.username is not None or parts.password is not None:
            # httpx would turn them into Basic auth over the signature, and the client's repr would show them.
            raise ParamValidationError(["endpoint_url: must not carry a user name or password"])
        return Endpoint(custom_url=endpoint_url.rstrip("/"))
    if not _REGION.fullmatch(region):
        raise ParamValidationError(["region_name: is not a valid AWS region name"])
    service = "medical-imaging-fips" if use_fips_endpoint else "medical-imaging"
    if use_dualstack_endpoint:
        suffix = "api.amazonwebservices.com.cn" if region.startswith("cn-") else "api.aws"
    else:
        suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
    return Endpoint(host=f"{service}.{region}.{suffix}")
