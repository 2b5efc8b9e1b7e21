"""``CopySubsetBuilder``: CopyImageSet's ``copiableAttributes``, the series and instances to copy."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Self, cast

from ._builder_checks import Level, level_of, level_problems, listed, uid_problem
from ._masking import Masked
from ._wire.documents import compact
from ._wire.validation import MAX_COPIABLE_CHARS
from .errors import ParamValidationError
from .metadata import ImageSetMetadata

#: The schema version of copy subsets, written as a string as in the service's examples.
COPY_SCHEMA_VERSION = "1.1"


class CopySubsetBuilder:
    """Chooses the series and instances that CopyImageSet copies (``copiableAttributes``).

    Pass the source's metadata to add whole series by UID; without it, name
    the instances.
    """

    def __init__(self, source: ImageSetMetadata | None = None) -> None:
        if source is not None and not isinstance(source, ImageSetMetadata):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ParamValidationError([f"source: expected ImageSetMetadata or None, got {type(source).__name__}"])
        self._source = source
        self._series: dict[str, dict[str, Any]] = {}

    def __repr__(self) -> str:
        count = sum(len(instances) for instances in self._series.values())
        return f"CopySubsetBuilder(series={len(self._series)}, instances={count})"

    def add_series(self, series_uid: str) -> Self:
        """Copy every instance of a series of the source metadata."""
        level, problems = level_of(series_uid), level_problems(series_uid)
        del series_uid
        if problems:
            raise ParamValidationError(problems)
        if self._source is None:
            raise ParamValidationError(
                ["series_uid: to copy a whole series, create the builder with the source metadata"]
            )
        series = self._source.study.series.get(level.value[2])
        if series is None:
            raise ParamValidationError(["series_uid: the source metadata has no such series"])
        return self._add(level, Masked(list(series.instances), "UIDs"))

    def add_instances(self, series_uid: str, sop_instance_uids: Iterable[str]) -> Self:
        """Copy these instances of a series."""
        level, problems = level_of(series_uid), level_problems(series_uid)
        uids = Masked(listed(sop_instance_uids), "UIDs")
        del series_uid, sop_instance_uids
        if uids.value is None:
            problems.append("sop_instance_uids: expected an iterable of UIDs")
        else:
            problems += [
                f"sop_instance_uids: item {position} {problem.partition(': ')[2]}"
                for position, uid in enumerate(uids.value, start=1)
                if (problem := uid_problem("", uid))
            ]
            if not uids.value:
                problems.append("sop_instance_uids: name at least one instance")
        if problems:
            raise ParamValidationError(problems)
        return self._add(level, cast(Masked[list[str]], uids))

    def _add(self, level: Level, uids: Masked[list[str]]) -> Self:
        instances: dict[str, Any] = self._series.setdefault(level.value[2], {})
        instances.update({uid: {} for uid in uids.value})
        return self

    def to_dict(self) -> dict[str, Any]:
        """The ``copiableAttributes`` document."""
        series = {uid: {"Instances": dict(instances)} for uid, instances in self._series.items()}
        return {"SchemaVersion": COPY_SCHEMA_VERSION, "Study": {"Series": series}}

    def build(self) -> str:
        """``copiableAttributes`` as the service takes it: JSON text of at most 260,000 characters."""
        if not self._series:
            raise ParamValidationError(["series: choose at least one series or instance"])
        text = Masked(compact(self.to_dict()), "document")
        if len(text.value) > MAX_COPIABLE_CHARS:
            raise ParamValidationError(
                [f"document: {len(text.value):,} characters of JSON, over the limit of {MAX_COPIABLE_CHARS:,}"]
            )
        return text.value
