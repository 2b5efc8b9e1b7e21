"""Credentials from botocore's standard chain, and SigV4 signing of one request.

Only ``content-type``, ``host``, ``x-amz-date`` and (with temporary
credentials) ``x-amz-security-token`` are signed, as botocore does: headers
a proxy may rewrite (``connection``, ``user-agent``, ``accept-encoding``)
never enter the signature.

botocore's signer logs the canonical request (with the session token) and the
signature at DEBUG on the ``botocore.auth`` logger. While this SDK signs, those
records are dropped, so turning on DEBUG logging cannot leak them.

Two fixes the retry policy can ask for (``_retry.Recovery``) live here: credentials
resolved anew when the service says they expired, and a clock offset learned
from the service's ``Date`` when it refuses a signature for its time, kept for
the client's later calls (as the Java and JavaScript AWS SDKs do).
"""

from __future__ import annotations

import contextvars
import functools
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

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


@functools.cache
def _offset_sigv4_class() -> Any:
    """botocore's SigV4 signer, with its clock moved by the instance's ``offset`` seconds.

    botocore stamps the time it signs for in ``request.context["timestamp"]`` just
    before it sets the date header from it; moving that stamp in the date-header
    hook shifts the date, the credential scope and the signature together,
    without copying any of botocore's signing. Made once, on first use.
    """
    from botocore.auth import SIGV4_TIMESTAMP, SigV4Auth

    class OffsetSigV4Auth(SigV4Auth):
        offset = 0.0

        def _set_necessary_date_headers(self, request: Any) -> None:
            stamped = datetime.strptime(request.context["timestamp"], SIGV4_TIMESTAMP)
            request.context["timestamp"] = (stamped + timedelta(seconds=self.offset)).strftime(SIGV4_TIMESTAMP)
            super()._set_necessary_date_headers(request)  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]

    return OffsetSigV4Auth


class Signer:
    """Holds where credentials come from, and signs requests with them."""

    #: Seconds to add to the local clock when signing, learned from the service's ``Date`` (0 until then).
    clock_offset: float = 0.0

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
        self._explicit = explicit is not None
        self._resolve_anew = False  # set when the service said the credentials in hand expired

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
            credentials = self._credentials
            if credentials is None:
                credentials = self._credentials = self._resolve()
            if credentials is None:
                raise CredentialsError(
                    "no AWS credentials found: pass aws_access_key_id and aws_secret_access_key, "
                    "set a profile, or configure the standard AWS credential chain"
                )
            return credentials.get_frozen_credentials()
        except CredentialsError:
            raise
        except Exception as exc:
            # Not chained: botocore's text can quote a credential process's output or a config file's
            # contents, and a chained cause prints in every traceback. The provider and profile are safe.
            raise CredentialsError(f"loading AWS credentials failed: {_describe(exc)}") from None

    def _resolve(self) -> Credentials | None:
        """Credentials from the chain: the session's own, or (after they expired) the chain walked anew."""
        if self._session is None:
            self._session = new_session(self._profile_name)
        if self._resolve_anew:
            self._resolve_anew = False
            fresh: Credentials | None = self._session.get_component("credential_provider").load_credentials()
            if fresh is not None:
                return fresh
        return self._session.get_credentials()

    def sign(
        self, method: str, url: str, headers: dict[str, str], body: bytes | None, credentials: ReadOnlyCredentials
    ) -> dict[str, str]:
        """The SigV4 headers (authorization, date, token) for sending ``body`` to ``url`` with ``method``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, headers=headers, data=body or b"")
        signer = SigV4Auth(credentials, SERVICE_NAME, self._region)
        if self.clock_offset:
            signer = _offset_sigv4_class()(credentials, SERVICE_NAME, self._region)
            signer.offset = self.clock_offset
        token = _signing.set(True)
        try:
            signer.add_auth(request)
        finally:
            _signing.reset(token)
        signed = {"X-Amz-Date": request.headers["X-Amz-Date"], "Authorization": request.headers["Authorization"]}
        if credentials.token:
            signed["X-Amz-Security-Token"] = credentials.token
        return signed

    # --- recoveries the retry policy asks for (issue 13) ---------------------------------

    @property
    def credentials_refreshable(self) -> bool:
        """Whether resolving credentials anew can find others: not when they were passed explicitly."""
        return not self._explicit

    def forget_credentials(self) -> None:
        """Drop the credentials in hand: the next attempt resolves the chain anew (files, environment, providers)."""
        if not self._explicit:
            self._resolve_anew = True
            self._credentials = None

    def correct_clock(self, server_time: float) -> None:
        """Sign from now on by the service's clock, as its ``Date`` header gave it."""
        import botocore.auth

        # botocore signs by its own clock (get_current_datetime, missing from the stubs): the offset is from that.
        signing_now = cast(datetime, botocore.auth.get_current_datetime())  # type: ignore[attr-defined]
        self.clock_offset = server_time - signing_now.replace(tzinfo=UTC).timestamp()
