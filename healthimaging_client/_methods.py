"""Client methods made from definitions written elsewhere, with the definition's name, docstring and signature.

``AsyncClient`` makes a method from each pure operation, and ``Client`` makes
each of its methods from ``AsyncClient``'s, so a signature or docstring is
written once. ``help()``, ``inspect.signature`` and the API reference show the
method as if written out: ``self`` first, and the type the method returns.

The methods made here hold the caller's arguments only until the definition
has taken them (:func:`invoke`): arguments can be patient data, and a
traceback renderer that shows locals shows every frame an error passes.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable, Mapping
from typing import TypeVar

from ._misfits import misfit
from .errors import ParamValidationError

F = TypeVar("F", bound=Callable[..., object])
R = TypeVar("R")


def invoke(definition: Callable[..., R], args: tuple[object, ...], kwargs: Mapping[str, object]) -> R | Exception:
    """``definition(*args, **kwargs)``, or the error to raise in its place: returned, not raised.

    The caller deletes its arguments and then raises, so that no frame the
    error passes holds them. A ``ParamValidationError`` comes without the
    frames of the definition (whose parameters are the arguments); a call that
    does not fit the signature becomes a ``TypeError`` that names the method
    and what a misspelt keyword most likely meant.
    """
    try:
        return definition(*args, **kwargs)
    except ParamValidationError as exc:
        exc.__context__ = None
        return exc.with_traceback(None)
    except TypeError as exc:
        return misfit(definition.__name__, definition, args, kwargs) or exc


def method_like(
    method: F,
    definition: Callable[..., object],
    owner: str,
    module: str,
    *,
    returns: Callable[[str], str] = str,
    name: str = "",
    doc: str = "",
) -> F:
    """``method``, named and documented as ``definition`` (or ``name`` and ``doc``), as a method of ``owner``
    (a class of ``module``).

    ``returns`` turns the definition's return annotation into the method's
    (for instance ``Call[X]`` into ``X``).
    """
    functools.update_wrapper(method, definition)
    del method.__wrapped__  # type: ignore[attr-defined]  # the signature below is the method's, not the definition's
    if name:
        method.__name__ = name
    if doc:
        method.__doc__ = doc
    method.__qualname__ = f"{owner}.{method.__name__}"
    method.__module__ = module
    signature = inspect.signature(definition)
    parameters = list(signature.parameters.values())
    if not parameters or parameters[0].name != "self":
        parameters.insert(0, inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD))
    annotation = signature.return_annotation
    if isinstance(annotation, str):
        annotation = returns(annotation)
    method.__signature__ = signature.replace(  # type: ignore[attr-defined]
        parameters=parameters, return_annotation=annotation
    )
    return method


def type_arguments(annotation: str, generic: str) -> list[str]:
    """The type arguments of ``generic[...]`` in an annotation's text: ``Page[A, B[C, D]]`` -> ``["A", "B[C, D]"]``."""
    if not (annotation.startswith(generic + "[") and annotation.endswith("]")):
        raise ValueError(f"expected {generic}[...], got {annotation}")
    inner = annotation[len(generic) + 1 : -1]
    arguments: list[str] = []
    depth = start = 0
    for index, char in enumerate(inner):
        depth += {"[": 1, "]": -1}.get(char, 0)
        if char == "," and depth == 0:
            arguments.append(inner[start:index].strip())
            start = index + 1
    return [*arguments, inner[start:].strip()]
