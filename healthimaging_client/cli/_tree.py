"""The metadata document drawn as a tree, for people; patient values masked unless asked for."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

import attrs

from ..metadata import ImageSetMetadata, Instance, Series
from ._output import MASK


@attrs.frozen
class Node:
    label: str
    children: tuple[Node, ...] = ()


def draw(node: Node, prefix: str = "") -> Iterator[str]:
    """The node's label, then its children under it with branch lines."""
    yield node.label
    for index, child in enumerate(node.children):
        last = index == len(node.children) - 1
        lines = draw(child)
        yield prefix + ("└── " if last else "├── ") + next(lines)
        for line in lines:
            yield prefix + ("    " if last else "│   ") + line


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def _attributes(dicom: Mapping[str, Any], vrs: Mapping[str, str], show_phi: bool) -> tuple[Node, ...]:
    def value(raw: Any) -> str:
        return (raw if isinstance(raw, str) else json.dumps(raw, ensure_ascii=False)) if show_phi else MASK

    return tuple(Node(f"{tag}{f' ({vrs[tag]})' if tag in vrs else ''} = {value(raw)}") for tag, raw in dicom.items())


class TreeBuilder:
    """Builds the nodes of one document; ``attributes`` lists every level's DICOM attributes too."""

    def __init__(self, *, show_phi: bool, attributes: bool) -> None:
        self._show_phi = show_phi
        self._attributes = attributes

    def _phi(self, *values: object) -> str:
        """Patient values joined for a label, or the mask."""
        if not self._show_phi:
            return MASK
        return "  ".join(str(v) for v in values if v not in (None, ""))

    def _details(self, dicom: Mapping[str, Any], vrs: Mapping[str, str] | None = None) -> tuple[Node, ...]:
        return _attributes(dicom, vrs or {}, self._show_phi) if self._attributes else ()

    def document(self, meta: ImageSetMetadata) -> Node:
        patient, study = meta.patient, meta.study
        series = [self.series(index, s) for index, s in enumerate(study.series.values(), start=1)]
        instances = sum(len(s.instances) for s in study.series.values())
        return Node(
            f"image set {meta.image_set_id}  (datastore {meta.datastore_id}, schema {meta.schema_version})",
            (
                Node(f"patient  {self._phi(patient.name, patient.id)}", self._details(patient.dicom)),
                Node(
                    f"study  {self._phi(study.study_instance_uid, study.date, study.dicom.get('StudyDescription'))}"
                    f"  ({len(series)} series, {_plural(instances, 'instance')})",
                    self._details(study.dicom) + tuple(series),
                ),
            ),
        )

    def series(self, index: int, series: Series) -> Node:
        instances = [self.instance(index, i) for index, i in enumerate(series.instances.values(), start=1)]
        number = None if series.number is None else f"number {series.number}"
        label = f"series {index}  {self._phi(series.series_instance_uid, series.modality, number)}"
        return Node(f"{label}  ({_plural(len(instances), 'instance')})", self._details(series.dicom) + tuple(instances))

    def instance(self, index: int, instance: Instance) -> Node:
        frames = len(instance.image_frames)
        label = f"instance {index}  {self._phi(instance.sop_instance_uid)}  {instance.transfer_syntax_uid}"
        return Node(f"{label}  ({_plural(frames, 'frame')})", self._details(instance.dicom, instance.dicom_vrs))
