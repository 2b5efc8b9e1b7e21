"""Where a client's region, credentials and endpoint come from, resolved once when it is made.

The order is boto3's: arguments first, then botocore's standard chain
(environment, shared config and credentials files, SSO, process and
container/instance providers), then ``AWS_REGION`` as the other AWS SDKs read
it. botocore.session is slow to import, so a session is made only when the
region or the credentials must come from it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, cast

import attrs

from . import errors
from ._endpoints import Endpoint, configured_endpoint, resolve_endpoint
from ._masking import Masked
from ._signing import Signer, from_botocore, new_session
from ._wire.validation import Problems

if TYPE_CHECKING:
    import botocore.session


@attrs.frozen
class ClientConfig:
    """What the constructor arguments and the environment resolved to."""

    region_name: str
    endpoint: Endpoint
    signer: Signer


#: The three credential arguments a client takes, in the order botocore's ``Credentials`` takes them.
ExplicitKeys = tuple[str | None, str | None, str | None]


@attrs.frozen(kw_only=True)
class Where:
    """The constructor's arguments that say where requests go and what signs them; keys and URL masked.

    The URL is masked too: one that carries a password is refused, and the frames the refusal
    passes must not show it.
    """

    region_name: str | None
    profile_name: str | None
    keys: Masked[ExplicitKeys]
    botocore_session: botocore.session.Session | None
    endpoint_url: Masked[str | None]
    use_fips_endpoint: bool
    use_dualstack_endpoint: bool

    def check_types(self, p: Problems) -> None:
        """Record each argument of a wrong type (a failure further in would not name it)."""
        texts: list[tuple[str, object]] = [
            ("region_name", self.region_name),
            ("profile_name", self.profile_name),
            ("endpoint_url", self.endpoint_url.value),
            *zip(("aws_access_key_id", "aws_secret_access_key", "aws_session_token"), self.keys.value, strict=True),
        ]
        for path, value in texts:
            if value is not None and not isinstance(value, str):
                p.add(path, f"expected str or None, got {type(value).__name__}")
        flags: list[tuple[str, object]] = [
            ("use_fips_endpoint", self.use_fips_endpoint),
            ("use_dualstack_endpoint", self.use_dualstack_endpoint),
        ]
        for path, flag in flags:
            if not isinstance(flag, bool):
                p.add(path, f"expected a bool, got {type(flag).__name__}")
        session = cast(object, self.botocore_session)
        if session is not None:
            from botocore.session import Session  # only when one is given: botocore.session is slow to import

            if not isinstance(session, Session):
                p.add("botocore_session", f"expected a botocore Session, got {type(session).__name__}")


def resolve_config(where: Where) -> ClientConfig:
    """Resolve region, endpoint and the source of credentials.

    Raises ParamValidationError on a bad combination, and CredentialsError
    when the profile does not exist, the config files cannot be read, or an
    explicit key cannot be sent.
    """
    from botocore.credentials import Credentials

    region_name, profile_name, keys = where.region_name, where.profile_name, where.keys
    if where.botocore_session is not None and profile_name is not None:
        raise errors.ParamValidationError(["profile_name: pass it or botocore_session, not both"])
    if (keys.value[0] is None) != (keys.value[1] is None):
        raise errors.ParamValidationError(
            ["aws_access_key_id: pass aws_access_key_id and aws_secret_access_key together"]
        )
    session = where.botocore_session
    if not region_name or keys.value[0] is None:
        session = session or new_session(profile_name)
    if session is not None and profile_name is not None:
        _check_profile(session, profile_name)
    configured = from_botocore(lambda: session.get_config_variable("region")) if session and not region_name else None
    region = region_name or configured or os.environ.get("AWS_REGION")
    if not region:
        raise errors.ParamValidationError(
            ["region_name: none given or configured (pass region_name, set AWS_DEFAULT_REGION, or use a profile)"]
        )
    if not isinstance(region, str):
        raise errors.ParamValidationError([f"region_name: expected a string, got {type(region).__name__}"])
    explicit = None
    if keys.value[0] is not None and keys.value[1] is not None:
        explicit = Credentials(keys.value[0], keys.value[1], keys.value[2], method="explicit")
    endpoint_url = where.endpoint_url
    if endpoint_url.value is None and not (where.use_fips_endpoint or where.use_dualstack_endpoint):
        endpoint_url = Masked(configured_endpoint(), "endpoint_url")
    endpoint = resolve_endpoint(
        region,
        endpoint_url=endpoint_url,
        use_fips_endpoint=where.use_fips_endpoint,
        use_dualstack_endpoint=where.use_dualstack_endpoint,
    )
    return ClientConfig(region, endpoint, Signer(session, region, explicit, profile_name=profile_name))


def _check_profile(session: botocore.session.Session, profile_name: str) -> None:
    """A profile that was named must exist: a misspelt one is a configuration error, found at construction."""
    profiles = from_botocore(lambda: session.available_profiles)
    if profile_name not in profiles:
        raise errors.CredentialsError(
            f"the AWS profile {profile_name!r} (profile_name) was not found in the config or credentials files; "
            "`aws configure list-profiles` lists the profiles there"
        )
