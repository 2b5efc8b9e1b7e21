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
def _lean_sigv4_class() -> Any:
    """botocore's SigV4 signer, made cheap to call for every request of one client; made once, on first use.

    Everything that decides the signature stays botocore's (``add_auth``: the
    canonical request, the string to sign, the scope, the ``Authorization``
    header). Three costs are taken out, each giving botocore what it computed:

    - the headers to sign are a small dict with the ``get_all`` botocore reads,
      not an ``email.message`` ``HTTPHeaders``, and are worked out once per
      request (botocore asks twice), with the ``host`` of each origin cached;
    - the signing key (four HMACs from the secret) is derived once per day
      and kept, as the AWS SDKs for Java and Go do;
    - the instance's ``offset`` (seconds) moves the time it signs for: the stamp
      in ``request.context["timestamp"]`` is moved in the date-header hook, just
      before botocore sets the date header from it, so the date, the credential
      scope and the signature move together.
    """
    import botocore.auth
    from botocore.auth import SIGNED_HEADERS_BLACKLIST, SIGV4_TIMESTAMP, SigV4Auth

    botocore_auth: Any = botocore.auth  # its private helpers are missing from the stubs
    host_of = functools.lru_cache(maxsize=64)(botocore_auth._host_from_url)

    class SignedHeaders(dict[str, str]):
        def get_all(self, name: str) -> list[str]:
            return [self[name]]

    class LeanSigV4Auth(SigV4Auth):
        offset = 0.0

        def __init__(self, credentials: Any, service_name: str, region_name: str) -> None:
            super().__init__(credentials, service_name, region_name)  # pyright: ignore[reportUnknownMemberType]
            self._scope = (region_name, service_name, "aws4_request")
            self._keys: dict[str, bytes] = {}  # the day (YYYYMMDD) -> its signing key

        def headers_to_sign(self, request: Any) -> Any:
            signed: SignedHeaders | None = request.context.get("headers_to_sign")
            if signed is None:
                signed = SignedHeaders(
                    (name.lower(), value)
                    for name, value in request.headers.items()
                    if name.lower() not in SIGNED_HEADERS_BLACKLIST
                )
                if "host" not in signed:
                    scheme, _, rest = request.url.partition("://")
                    signed["host"] = host_of(f"{scheme}://{rest.split('/', 1)[0]}")
                request.context["headers_to_sign"] = signed
            return signed

        def signature(self, string_to_sign: str, request: Any) -> str:
            day = request.context["timestamp"][0:8]
            botocore_self: Any = self  # botocore's HMAC step (_sign) is missing from the stubs
            key = self._keys.get(day)
            if key is None:
                key = botocore_self._sign(f"AWS4{botocore_self.credentials.secret_key}".encode(), day)
                for part in self._scope:
                    key = botocore_self._sign(key, part)
                self._keys = {day: key}
            return cast(str, botocore_self._sign(key, string_to_sign, hex=True))

        def _set_necessary_date_headers(self, request: Any) -> None:
            if self.offset:
                stamped = datetime.strptime(request.context["timestamp"], SIGV4_TIMESTAMP)
                moved = stamped + timedelta(seconds=self.offset)
                request.context["timestamp"] = moved.strftime(SIGV4_TIMESTAMP)
            super()._set_necessary_date_headers(request)  # type: ignore[misc]  # pyright: ignore[reportAttributeAccessIssue]

    return LeanSigV4Auth


class _Unsigned:
    """The least request botocore's ``add_auth`` reads and writes: no header copies, no ``AWSRequest`` preparation."""

    __slots__ = ("body", "context", "headers", "method", "params", "url")

    def __init__(self, method: str, url: str, headers: dict[str, str], body: bytes) -> None:
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.params: dict[str, str] = {}
        self.context: dict[str, Any] = {}


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
        self._sigv4: Masked[tuple[ReadOnlyCredentials, Any]] | None = None  # botocore's signer for the credentials
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
        request = _Unsigned(method, url, dict(headers), body or b"")
        signer = self._signer_for(credentials)
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

    def _signer_for(self, credentials: Masked[ReadOnlyCredentials]) -> Any:
        """One botocore signer per credentials (and its signing key per day), made anew when they change."""
        held = self._sigv4
        if held is None or held.value[0] != credentials.value:
            held = self._sigv4 = Masked(
                (credentials.value, _lean_sigv4_class()(credentials.value, SERVICE_NAME, self._region)), "signer"
            )
        return held.value[1]

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
