"""What the emulator's listings share: pages of ``maxResults`` items, next tokens bound to their listing, and the
image sets of the request's datastore."""

from __future__ import annotations

from collections.abc import Callable

from .._wire import validation as v
from . import _search as search
from ._documents import JSON
from ._faults import validation
from ._requests import Emulator, Request, page_size_of, raise_problems
from ._responses import Response, json_response
from ._store import Store


def redeem(tokens: search.TokenBook, token: str | None, fingerprint: str) -> search.Key | None:
    if token is None:
        return None
    try:
        return tokens.redeem(token, fingerprint)
    except search.TokenError as exc:
        raise validation(str(exc)) from None


def list_page(
    emulator: Emulator,
    request: Request,
    p: v.Problems,
    listing: str,
    member: str,
    page: Callable[[int, search.Key | None], tuple[list[JSON], search.Key | None]],
) -> Response:
    """One page of a listing, its next token bound to the listing and its filter."""
    page_size = page_size_of(request.query)
    v.next_token(p, "nextToken", request.query.get("nextToken"))
    raise_problems(p)
    fingerprint = search.fingerprint(listing.encode())
    items, last = page(page_size, redeem(emulator.tokens, request.query.get("nextToken"), fingerprint))
    output: JSON = {member: items}
    if last is not None:
        output["nextToken"] = emulator.tokens.issue(last, fingerprint)
    return json_response(output)


def image_sets(emulator: Emulator, request: Request) -> Store:
    """The image sets of the request's datastore, which must be ACTIVE."""
    return emulator.datastores.image_sets(request.datastore_id)
