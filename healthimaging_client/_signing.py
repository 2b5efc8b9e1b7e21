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

Credentials are checked before they are used: each value must be printable
ASCII without whitespace, as an HTTP header and SigV4 need it. A value that is
not (a token read from a file with its newline, a pasted key with a space)
raises :class:`~healthimaging_client.CredentialsError` naming the value and
its provider, never its content. Credentials and signed headers travel in
:class:`~._masking.Masked` holders, so no frame of the SDK holds them in a
plain local when a traceback renderer shows locals.
"""

from __future__ import annotations

import contextvars
import functools
import logging
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, TypeVar, cast

from ._masking import Masked
from .errors import CauseSummary, CredentialsError

if TYPE_CHECKING:
    import botocore.session
    from botocore.credentials import Credentials, ReadOnlyCredentials

T = TypeVar("T")

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


# --- failures of botocore's chain ------------------------------------------------------------

#: A run of characters that keys and tokens are made of (base64 and the URL-safe alphabet).
_WORD = re.compile(r"[A-Za-z0-9+/=_-]{16,}")
_MAX_MESSAGE = 400


def _looks_secret(word: str) -> bool:
    """A key or a token: long, with capitals, and with digits or base64 symbols, or very long with capitals.

    Words botocore's messages hold (profile and provider names, paths, class
    names, a credential process's hint such as ``run mycorp-login``) do not.
    """
    upper = any(c.isupper() for c in word)
    return upper and (len(word) >= 32 or any(c.isdigit() or c in "+/=" for c in word))


def scrubbed(text: str) -> str:
    """botocore's message on one line, cut short, with anything shaped like a key or a token redacted.

    Its templates name profiles, files and providers, never keys; but a
    credential process's error output is quoted as it is, and may echo one.
    """
    line = _WORD.sub(lambda m: "[redacted]" if _looks_secret(m.group()) else m.group(), " ".join(text.split()))
    return line if len(line) <= _MAX_MESSAGE else line[:_MAX_MESSAGE] + "..."


def credentials_failure(exc: BaseException, provider: str | None = None) -> CredentialsError:
    """The SDK error for a failure of botocore's credential chain or config: its class, provider and message."""
    fields: dict[str, object] = getattr(exc, "kwargs", None) or {}
    named = fields.get("provider")
    provider = named if isinstance(named, str) else provider
    where = [f"{key} {value}" for key, value in (("provider", provider), ("profile", fields.get("profile"))) if value]
    message = scrubbed(str(exc))
    head = type(exc).__name__ + (f" ({', '.join(where)})" if where else "")
    error = CredentialsError(f"loading AWS credentials failed: {head}" + (f": {message}" if message else ""))
    error.provider = provider
    error.__cause__ = CauseSummary.of(exc, message or type(exc).__name__)
    return error


def from_botocore(load: Callable[[], T], provider: Callable[[], str | None] = lambda: None) -> T:
    """``load()``, with any failure raised as :class:`CredentialsError` naming ``provider()`` if botocore does not.

    Raised outside the ``except`` block: botocore's exception (whose text or
    frames can hold a credential process's output) is neither ``__cause__``
    nor ``__context__``.
    """
    try:
        return load()
    except CredentialsError:
        raise
    except Exception as exc:
        failure = credentials_failure(exc, provider())
    raise failure


# --- values that cannot be sent ------------------------------------------------------------

_PARTS = (("access key id", True), ("secret access key", True), ("session token", False))


def _value_problem(value: object, required: bool) -> str | None:
    """What keeps one credential value out of a header or a signature, in words without the value."""
    if value is None or value == "":
        return "is missing" if required else None
    if not isinstance(value, str):
        return f"is a {type(value).__name__}, not a string"
    if value != value.strip():
        return "begins or ends with whitespace (a newline or a space, often from the file or variable it came from)"
    if not value.isascii():
        return "holds a character that is not ASCII"
    if not all("!" <= c <= "~" for c in value):
        return "holds a space or a control character"
    return None


def unsendable(credentials: Masked[ReadOnlyCredentials], provider: str | None) -> CredentialsError | None:
    """The error for credentials that cannot be sent, or None. The values are read in place, never into a local."""
    for index, (name, required) in enumerate(_PARTS):
        problem = _value_problem(credentials.value[index], required)
        if problem is not None:
            source = f" (from provider {provider})" if provider else ""
            return CredentialsError(f"the AWS {name}{source} {problem}", provider=provider)
    return None


# --- the signer -------------------------------------------------------------------------------


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
        if explicit is not None:  # checked now: a bad key is a configuration error, found at construction
            bad = unsendable(Masked(explicit.get_frozen_credentials(), "credentials"), "explicit")
            if bad is not None:
                raise bad

    def __repr__(self) -> str:
        return f"Signer(region={self._region!r})"

    def needs_io(self) -> bool:
        """True when getting credentials may read files or call the network (resolve or refresh)."""
        credentials = self._credentials
        if credentials is None:
            return True
        refresh_needed = getattr(credentials, "refresh_needed", None)
        return bool(refresh_needed and refresh_needed())

    def credentials(self) -> Masked[ReadOnlyCredentials]:
        """The current credentials, resolving the chain on first use and refreshing when they expire.

        Raises :class:`CredentialsError` when there are none, when loading them
        fails (with botocore's reason), or when a value cannot be sent.
        """
        current = from_botocore(self._current, self._provider)
        if current is None:
            raise CredentialsError(
                "no AWS credentials found: pass aws_access_key_id and aws_secret_access_key, "
                "set a profile, or configure the standard AWS credential chain"
            )
        bad = unsendable(current, self._provider())
        if bad is not None:
            raise bad
        return current

    def _current(self) -> Masked[ReadOnlyCredentials] | None:
        credentials = self._credentials
        if credentials is None:
            credentials = self._credentials = self._resolve()
        if credentials is None:
            return None
        return Masked(credentials.get_frozen_credentials(), "credentials")

    def _provider(self) -> str | None:
        """The provider of the chain the credentials came from (``env``, ``custom-process``, ...), once known."""
        method = getattr(self._credentials, "method", None)
        return method if isinstance(method, str) else None

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
        self,
        method: str,
        url: str,
        headers: dict[str, str],
        body: bytes | None,
        credentials: Masked[ReadOnlyCredentials],
    ) -> Masked[dict[str, str]]:
        """The SigV4 headers (authorization, date, token) for sending ``body`` to ``url`` with ``method``."""
        from botocore.auth import SigV4Auth
        from botocore.awsrequest import AWSRequest

        request = AWSRequest(method=method, url=url, headers=headers, data=body or b"")
        signer = SigV4Auth(credentials.value, SERVICE_NAME, self._region)
        if self.clock_offset:
            signer = _offset_sigv4_class()(credentials.value, SERVICE_NAME, self._region)
            signer.offset = self.clock_offset
        token = _signing.set(True)
        try:
            signer.add_auth(request)
        finally:
            _signing.reset(token)
        signed = Masked(
            {"X-Amz-Date": request.headers["X-Amz-Date"], "Authorization": request.headers["Authorization"]},
            "signed headers",
        )
        if credentials.value.token:
            signed.value["X-Amz-Security-Token"] = credentials.value.token
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
