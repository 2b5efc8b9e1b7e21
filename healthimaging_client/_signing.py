"""Credentials from botocore's standard chain, and SigV4 signing of one request.

Only ``content-type``, ``host``, ``x-amz-date`` and (with temporary
credentials) ``x-amz-security-token`` are signed, as botocore does: headers
a proxy may rewrite (``connection``, ``user-agent``, ``accept-encoding``)
never enter the signature.

botocore's signer logs the canonical request (with the session token) and the
signature at DEBUG on the ``botocore.auth`` logger. While this SDK signs, those
records are dropped, so turning on DEBUG logging cannot leak them.
"""

from __future__ import annotations

import contextvars
import logging
from typing import TYPE_CHECKING

from .errors import CredentialsError

if TYPE_CHECKING:
    import botocore.session
    from botocore.credentials import Credentials, ReadOnlyCredentials

SERVICE_NAME = "medical-imaging"
_signing = contextvars.ContextVar("healthimaging_client_signing", default=False)


class _DropWhileSigning(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not _signing.get()


_botocore_auth_logger = logging.getLogger("botocore.auth")
_botocore_auth_logger.addFilter(_DropWhileSigning())


def new_session(profile_name: str | None) -> botocore.session.Session:
    """A botocore session; imported only when needed, since botocore.session is slow to import."""
    import botocore.session

    return botocore.session.Session(profile=profile_name)


def _describe(exc: Exception) -> str:
    """The exception's class, with the provider or profile botocore names (never its free text)."""
    fields: dict[str, object] = getattr(exc, "kwargs", None) or {}
    named = [f"{key} {fields[key]}" for key in ("provider", "profile") if isinstance(fields.get(key), str)]
    return type(exc).__name__ + (f" ({', '.join(named)})" if named else "")


class Signer:
    """Holds where credentials come from, and signs requests with them."""

    def __init__(
        self,
        session: botocore.session.Session | None,
        region: str,
        explicit: Credentials | None,
        *,
        profile_name: str | None = None,
    ) -> None:
        self._session = session  # None until credentials must come from the chain
        self._profile_name = profile_name
        self._region = region
        self._credentials: Credentials | None = explicit

    def __repr__(self) -> str:
        return f"Signer(region={self._region!r})"

    def needs_io(self) -> bool:
        """True when getting credentials may read files or call the network (resolve or refresh)."""
        credentials = self._credentials
        if credentials is None:
            return True
        refresh_needed = getattr(credentials, "refresh_needed", None)
        return bool(refresh_needed and refresh_needed())

    def credentials(self) -> ReadOnlyCredentials:
        """The current credentials, resolving the chain on first use and refreshing when they expire."""
        try:
            if self._credentials is None:
                if self._session is None:
                    self._session = new_session(self._profile_name)
                self._credentials = self._session.get_credentials()
            if self._credentials is None:
                raise CredentialsError(
                    "no AWS credentials found: pass aws_access_key_id and aws_secret_access_key, "
                    "set a profile, or configure the standard AWS credential chain"
                )
            return self._credentials.get_frozen_credentials()
        except CredentialsError:
            raise
        except Exception as exc:
            # Not chained: botocore's text can quote a credential process's output or a config file's
            # contents, and a chained cause prints in every traceback. The provider and profile are safe.
            raise CredentialsError(f"loading AWS credentials failed: {_describe(exc)}") from None

    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, credentials: ReadOnlyCredentials
    ) -> dict[str, str]:
        """The SigV4 headers (authorization, date, token) for sending ``body`` to ``url`` with ``method``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, headers=headers, data=body or b"")
        token = _signing.set(True)
        try:
            SigV4Auth(credentials, SERVICE_NAME, self._region).add_auth(request)
        finally:
            _signing.reset(token)
        signed = {"X-Amz-Date": request.headers["X-Amz-Date"], "Authorization": request.headers["Authorization"]}
        if credentials.token:
            signed["X-Amz-Security-Token"] = credentials.token
        return signed
