"""Where a client's region, credentials and endpoint come from, resolved once when it is made.

The order is boto3's: arguments first, then botocore's standard chain
(environment, shared config and credentials files, SSO, process and
container/instance providers), then ``AWS_REGION`` as the other AWS SDKs read
it. botocore.session is slow to import, so a session is made only when the
region or the credentials must come from it.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import attrs

from . import errors
from ._endpoints import Endpoint, configured_endpoint, resolve_endpoint
from ._signing import Signer, new_session

if TYPE_CHECKING:
    import botocore.session


@attrs.frozen
class ClientConfig:
    """What the constructor arguments and the environment resolved to."""

    region_name: str
    endpoint: Endpoint
    signer: Signer


def resolve_config(
    *,
    region_name: str | None,
    profile_name: str | None,
    aws_access_key_id: str | None,
    aws_secret_access_key: str | None,
    aws_session_token: str | None,
    botocore_session: botocore.session.Session | None,
    endpoint_url: str | None,
    use_fips_endpoint: bool,
    use_dualstack_endpoint: bool,
) -> ClientConfig:
    """Resolve region, endpoint and the source of credentials; raises ParamValidationError on a bad combination."""
    from botocore.credentials import Credentials

    if botocore_session is not None and profile_name is not None:
        raise errors.ParamValidationError(["profile_name: pass it or botocore_session, not both"])
    if (aws_access_key_id is None) != (aws_secret_access_key is None):
        raise errors.ParamValidationError(
            ["aws_access_key_id: pass aws_access_key_id and aws_secret_access_key together"]
        )
    session = botocore_session
    if not region_name or aws_access_key_id is None:
        session = session or new_session(profile_name)
    region = region_name or (session and session.get_config_variable("region")) or os.environ.get("AWS_REGION")
    if not region:
        raise errors.ParamValidationError(
            ["region_name: none given or configured (pass region_name, set AWS_DEFAULT_REGION, or use a profile)"]
        )
    explicit = None
    if aws_access_key_id is not None and aws_secret_access_key is not None:
        explicit = Credentials(aws_access_key_id, aws_secret_access_key, aws_session_token)
    if endpoint_url is None and not (use_fips_endpoint or use_dualstack_endpoint):
        endpoint_url = configured_endpoint()
    endpoint = resolve_endpoint(
        region,
        endpoint_url=endpoint_url,
        use_fips_endpoint=use_fips_endpoint,
        use_dualstack_endpoint=use_dualstack_endpoint,
    )
    return ClientConfig(region, endpoint, Signer(session, region, explicit, profile_name=profile_name))
