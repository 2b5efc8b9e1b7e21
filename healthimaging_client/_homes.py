"""Public classes defined in private modules keep the public module as their home.

A class's ``__module__`` is what a traceback, a ``repr``, a pickle and the API
reference name it by; its methods' ``__module__`` is where the reference
looks for them. Both stay the public module's when a public module re-exports
a class from a private one.
"""

from __future__ import annotations


def adopt(home: str, *homeless: object) -> None:
    """Make module ``home`` the home of each class (and of its own methods) or function in ``homeless``."""
    for thing in homeless:
        birthplace = thing.__module__
        thing.__module__ = home
        for member in vars(thing).values() if isinstance(thing, type) else ():
            function = getattr(member, "__func__", member)  # a classmethod's function
            if callable(function) and getattr(function, "__module__", None) == birthplace:
                function.__module__ = home
