"""How ``AsyncClient`` makes a method from a pure definition: send its call, or iterate its pages or items.

Each made method keeps the definition's name, signature and docstring
(:func:`~._methods.method_like`) and says it belongs to ``AsyncClient``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from ._methods import invoke, method_like, type_arguments
from ._operations import Call, Page, Paginator

if TYPE_CHECKING:
    from ._async_client import AsyncClient

P = ParamSpec("P")
T = TypeVar("T")
Item = TypeVar("Item")
Output = TypeVar("Output")

#: Where the made methods say they live: the client's module, where users find them.
CLIENT_MODULE = "healthimaging_client._async_client"


def sends(operation: Callable[P, Call[T]]) -> Callable[Concatenate[AsyncClient, P], Coroutine[Any, Any, T]]:
    """A method that sends the call ``operation`` builds and returns its typed output."""

    async def method(self: AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> T:
        call = invoke(operation, args, kwargs)
        del args, kwargs  # patient data: out of this frame's locals before anything is raised through it
        if isinstance(call, Exception):
            raise call
        return await self._core.request(call)  # pyright: ignore[reportPrivateUsage]

    return method_like(
        method, operation, "AsyncClient", CLIENT_MODULE, returns=lambda call: type_arguments(call, "Call")[0]
    )


def pages(
    paginate: Callable[P, Paginator[Item, Output]],
) -> Callable[Concatenate[AsyncClient, P], AsyncIterator[Page[Item, Output]]]:
    """A method that iterates the pages of ``paginate``; its arguments are checked when it is called."""

    def method(self: AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Page[Item, Output]]:
        paginator = invoke(paginate, args, kwargs)
        del args, kwargs  # as in sends
        if isinstance(paginator, Exception):
            raise paginator
        return self._core.pages(paginator)  # pyright: ignore[reportPrivateUsage]

    return method_like(
        method,
        paginate,
        "AsyncClient",
        CLIENT_MODULE,
        returns=lambda p: f"AsyncIterator[Page[{', '.join(type_arguments(p, 'Paginator'))}]]",
    )


def items(
    paginate: Callable[P, Paginator[Item, Output]], name: str, doc: str
) -> Callable[Concatenate[AsyncClient, P], AsyncIterator[Item]]:
    """A method that iterates the items of every page of ``paginate``."""

    def method(self: AsyncClient, /, *args: P.args, **kwargs: P.kwargs) -> AsyncIterator[Item]:
        paginator = invoke(paginate, args, kwargs)
        del args, kwargs  # as in sends
        if isinstance(paginator, Exception):
            raise paginator
        return _flatten(self._core.pages(paginator))  # pyright: ignore[reportPrivateUsage]

    return method_like(
        method,
        paginate,
        "AsyncClient",
        CLIENT_MODULE,
        returns=lambda p: f"AsyncIterator[{type_arguments(p, 'Paginator')[0]}]",
        name=name,
        doc=doc,
    )


async def _flatten(pages: AsyncIterator[Page[Item, Output]]) -> AsyncIterator[Item]:
    async for page in pages:
        for item in page.items:
            yield item
