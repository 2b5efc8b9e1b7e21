"""CopyImageSet on documents: the subset ``copiableAttributes`` names, the levels that differ, and the merge."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from ._documents import JSON, DocumentError, check_schema, mapping, series_of


def select_subset(document: JSON, selection: Mapping[str, Any] | None) -> JSON:
    """The series (and instances) of ``document`` that a ``copiableAttributes`` document names."""
    result = copy.deepcopy(document)
    if selection is None:
        return result
    check_schema(selection, frozenset({"Patient", "Study"}))
    wanted = mapping(mapping(selection.get("Study", {}), "Study").get("Series", {}), "Study.Series")
    chosen: JSON = {}
    source_series = series_of(result)
    for uid, series_selection in wanted.items():
        if uid not in source_series:
            raise DocumentError("copiableAttributes names a series the source does not hold")
        entry = source_series[uid]
        instance_selection = mapping(mapping(series_selection, "Study.Series.<uid>").get("Instances", {}), "Instances")
        if instance_selection:
            instances = entry.get("Instances", {})
            missing = [sop for sop in instance_selection if sop not in instances]
            if missing:
                raise DocumentError("copiableAttributes names an instance the source does not hold")
            entry["Instances"] = {sop: instances[sop] for sop in instance_selection}
        chosen[uid] = entry
    result["Study"]["Series"] = chosen
    return result


def mismatched_levels(source: Mapping[str, Any], destination: Mapping[str, Any]) -> list[str]:
    """The levels whose DICOM values differ between source and destination (copy needs ``force``)."""
    levels: list[str] = []
    for level in ("Patient", "Study"):
        if source.get(level, {}).get("DICOM", {}) != destination.get(level, {}).get("DICOM", {}):
            levels.append(level)
    destination_series = series_of(destination)
    for uid, entry in series_of(source).items():
        other = destination_series.get(uid)
        if other is not None and other.get("DICOM", {}) != entry.get("DICOM", {}):
            levels.append("Series")
            break
    return levels


def merge_into(destination: JSON, subset: Mapping[str, Any]) -> JSON:
    """The destination with the subset's series and instances added (theirs win on a clash)."""
    result = copy.deepcopy(destination)
    target = series_of(result)
    for uid, entry in series_of(subset).items():
        if uid in target:
            target[uid].setdefault("Instances", {}).update(copy.deepcopy(entry.get("Instances", {})))
        else:
            target[uid] = copy.deepcopy(entry)
    return result
