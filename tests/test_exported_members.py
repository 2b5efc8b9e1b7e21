"""The public surface: ``__all__`` is complete and sorted, and every exception the SDK raises is importable."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import types

import healthimaging_client as hic


def _package_modules() -> list[types.ModuleType]:
    """Every module of the package, imported (``__main__`` entry points excluded: they run on import)."""
    names = [info.name for info in pkgutil.walk_packages(hic.__path__, "healthimaging_client.")]
    return [hic, *(importlib.import_module(name) for name in names if not name.endswith(".__main__"))]


def _public_packages() -> list[types.ModuleType]:
    """The packages users import from: the top level and its public modules that declare ``__all__``."""
    return [
        module
        for module in _package_modules()
        if hasattr(module, "__all__") and not any(part.startswith("_") for part in module.__name__.split("."))
    ]


def test_all_is_sorted_and_unique() -> None:
    for module in _public_packages():
        assert list(module.__all__) == sorted(set(module.__all__)), module.__name__


def test_all_names_exist() -> None:
    for module in _public_packages():
        missing = [name for name in module.__all__ if not hasattr(module, name)]
        assert not missing, f"{module.__name__}.__all__ names missing attributes: {missing}"


def test_every_public_attribute_of_the_top_level_is_in_all() -> None:
    public = {
        name
        for name, value in vars(hic).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType) and name != "annotations"
    }
    assert public - set(hic.__all__) == set()


def test_exported_names_belong_to_the_package() -> None:
    for name in hic.__all__:
        value = getattr(hic, name)
        if inspect.isclass(value):
            assert value.__module__.startswith("healthimaging_client"), name


def _exception_classes() -> set[type[BaseException]]:
    """Every exception class the SDK defines (the emulator in ``testing`` answers with HTTP errors instead)."""
    found: set[type[BaseException]] = set()
    for module in _package_modules():
        if module.__name__.startswith("healthimaging_client.testing"):
            continue
        for value in vars(module).values():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__.startswith("healthimaging_client")
            ):
                found.add(value)
    return found


def test_every_sdk_error_is_exported_from_the_top_level() -> None:
    sdk_errors = {cls for cls in _exception_classes() if issubclass(cls, hic.HealthImagingError)}
    assert hic.HealthImagingError in sdk_errors
    not_exported = sorted(cls.__name__ for cls in sdk_errors if getattr(hic, cls.__name__, None) is not cls)
    assert not_exported == []


def test_every_exception_class_derives_from_the_sdk_base() -> None:
    """An exception class outside the tree could escape an ``except HealthImagingError``."""
    outside = sorted(cls.__qualname__ for cls in _exception_classes() if not issubclass(cls, hic.HealthImagingError))
    assert outside == []


def test_errors_module_lists_the_same_exceptions_as_the_top_level() -> None:
    from healthimaging_client import errors

    exported = {name: getattr(hic, name) for name in hic.__all__}
    exported_errors = {name for name, cls in exported.items() if inspect.isclass(cls) and issubclass(cls, Exception)}
    assert set(errors.__all__) == exported_errors


def test_the_exception_tree_in_the_docstring_names_every_error() -> None:
    from healthimaging_client import errors

    assert errors.__doc__ is not None
    for name in errors.__all__:
        assert f" {name}" in errors.__doc__, name
