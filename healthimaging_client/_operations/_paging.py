"""The nextToken loop as pure logic, shared by the sync and async paginators.

A :class:`Paginator` hands out the next :class:`Call` and takes each output
back; the clients only send. It stops on a missing or empty token, refuses a
token the service already gave (which would loop forever), and stops at
``max_items`` even in the middle of a page. Each page carries a resume token:
give it as ``starting_token`` to continue exactly after that page's last item.
A resume token from the middle of a page records the page's own token and how
many of its items were already yielded.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar, cast

import attrs

from .._wire.validation import positive_int
from ..errors import PaginationError, ParamValidationError
from ._call import Call

Item = TypeVar("Item")
Output = TypeVar("Output")

_RESUME_PREFIX = "hic1:"


@attrs.frozen
class Page(Generic[Item, Output]):
    """One page of results.

    ``next_token`` resumes after this page's last item (pass it as
    ``starting_token``); it is ``None`` when nothing follows.
    """

    items: Sequence[Item]
    next_token: str | None
    output: Output


def _encode_resume(token: str | None, skip: int) -> str:
    raw = json.dumps({"token": token, "skip": skip}, separators=(",", ":")).encode()
    return _RESUME_PREFIX + base64.urlsafe_b64encode(raw).decode("ascii")


def _decode_starting_token(starting_token: str | None) -> tuple[str | None, int]:
    if not isinstance(cast(object, starting_token), str | None):
        raise ParamValidationError([f"starting_token: expected a string, got {type(starting_token).__name__}"])
    if starting_token is None or not starting_token.startswith(_RESUME_PREFIX):
        return starting_token, 0
    try:
        data = json.loads(base64.urlsafe_b64decode(starting_token[len(_RESUME_PREFIX) :]))
        token, skip = data["token"], data["skip"]
        if not (token is None or isinstance(token, str)) or not isinstance(skip, int) or skip < 0:
            raise ValueError
    except (ValueError, KeyError, TypeError):
        raise ParamValidationError(["starting_token: is not a token this SDK produced"]) from None
    return token, skip


class Paginator(Generic[Item, Output]):
    """State of one paginated iteration; feed it outputs, get pages."""

    def __init__(
        self,
        make_call: Callable[[str | None, int | None], Call[Output]],
        items_of: Callable[[Output], Sequence[Item]],
        token_of: Callable[[Output], str | None],
        *,
        page_size: int | None,
        max_items: int | None,
        starting_token: str | None,
    ) -> None:
        if max_items is not None:
            positive_int("max_items", max_items)
        self._make_call = make_call
        self._items_of = items_of
        self._token_of = token_of
        self._page_size = page_size
        self._remaining = max_items
        self._token, self._skip = _decode_starting_token(starting_token)
        self._seen: set[str] = set()
        self._done = False
        # Validate the first request now, so bad input fails before iteration starts.
        self._first: Call[Output] | None = make_call(self._token, page_size)

    def next_call(self) -> Call[Output] | None:
        """The request for the next page, or None when the iteration is over."""
        if self._done:
            return None
        if self._first is not None:
            call, self._first = self._first, None
            return call
        return self._make_call(self._token, self._page_size)

    def accept(self, output: Output) -> Page[Item, Output]:
        """Record one page's output; returns the page with its items and resume token."""
        page_token = self._token
        all_items = self._items_of(output)
        skipped, self._skip = self._skip, 0
        items = list(all_items[skipped:])
        following = self._token_of(output) or None
        if self._remaining is not None and len(items) >= self._remaining:
            self._done = True
            if self._remaining < len(items):
                # Stopped mid-page: resume by fetching this page again and skipping what was yielded.
                kept = items[: self._remaining]
                return Page(kept, _encode_resume(page_token, skipped + len(kept)), output)
            return Page(items, following, output)
        if self._remaining is not None:
            self._remaining -= len(items)
        if following is None:
            self._done = True
        elif following in self._seen or following == page_token:
            raise PaginationError(
                "the service returned a next token it had already returned; stopping instead of looping forever"
            )
        else:
            self._seen.add(following)
            self._token = following
        return Page(items, following, output)
