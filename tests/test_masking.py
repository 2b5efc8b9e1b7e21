"""Every member the service model marks sensitive is masked in ``repr`` and ``str``, derived from the model itself.

The walk starts at the input and output shapes of the five operations in
botocore's installed service model. Each structure it meets is built as our
attrs model (found by shape name, fields by ``wire_names``) with a unique
canary in every leaf. A leaf is sensitive when its shape, or any structure
above it, is marked ``sensitive``. Then, for every model instance built:
sensitive canaries below it are absent from its ``repr`` and ``str`` but
reachable through the attributes, and the other canaries are shown (proof
that planting works). A sensitive member added to the model fails here until
a masked field carries it.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import attrs
import botocore.session
import pytest
from botocore.model import ListShape, MapShape, Shape, StructureShape

import healthimaging_client as hic
from healthimaging_client import models as m
from healthimaging_client._operations import Operation
from healthimaging_client._wire.converter import wire_names

SERVICE = botocore.session.get_session().get_service_model("medical-imaging")


def is_sensitive(shape: Shape) -> bool:
    return bool(shape.metadata.get("sensitive") or shape.serialization.get("sensitive"))


def holds_sensitive(shape: Shape, seen: frozenset[str] = frozenset()) -> bool:
    if is_sensitive(shape):
        return True
    if shape.name in seen:
        return False
    seen = seen | {shape.name}
    if isinstance(shape, StructureShape):
        return any(holds_sensitive(member, seen) for member in shape.members.values())
    if isinstance(shape, ListShape):
        return holds_sensitive(shape.member, seen)
    if isinstance(shape, MapShape):
        return holds_sensitive(shape.key, seen) or holds_sensitive(shape.value, seen)
    return False


def model_class(shape: Shape) -> type | None:
    """Our attrs model for a structure shape: same name, or ``...Output`` for ``...Response``."""
    for name in (shape.name, shape.name.removesuffix("Response") + "Output"):
        cls = getattr(m, name, None)
        if isinstance(cls, type) and attrs.has(cls):
            return cls
    return None


@attrs.define
class Canary:
    path: str
    text: str
    sensitive: bool


@attrs.define
class Built:
    """One model instance and every canary planted beneath it."""

    path: str
    instance: Any
    canaries: list[Canary]


class Planter:
    """Builds model instances from shapes, with a unique canary in each leaf.

    Sensitivity is relative to each instance: a canary counts as sensitive for
    an instance when its leaf shape, or a shape between the instance and the
    leaf (both included), is marked sensitive.
    """

    def __init__(self, classes: Callable[[Shape], type | None] = model_class) -> None:
        self.classes = classes
        self.counter = itertools.count(1)
        self.built: list[Built] = []

    def structure(self, shape: StructureShape, cls: type, path: str) -> tuple[Any, list[Canary]]:
        wire_to_field = {wire: field for field, wire in wire_names(_origin(cls)).items()}
        kwargs: dict[str, Any] = {}
        canaries: list[Canary] = []
        for name, member in shape.members.items():
            field = wire_to_field.get(name)
            if field is None:
                assert not holds_sensitive(member), (
                    f"{path}.{name} is sensitive in the service model, but {cls.__name__} has no field for it"
                )
                continue
            kwargs[field], below = self.value(member, f"{path}.{name}")
            canaries += below
        if is_sensitive(shape):
            canaries = [attrs.evolve(c, sensitive=True) for c in canaries]
        instance = cls(**kwargs)
        self.built.append(Built(path, instance, canaries))
        return instance, canaries

    def value(self, shape: Shape, path: str) -> tuple[Any, list[Canary]]:
        value, canaries = self._value(shape, path)
        if is_sensitive(shape):
            canaries = [attrs.evolve(c, sensitive=True) for c in canaries]
        return value, canaries

    def _value(self, shape: Shape, path: str) -> tuple[Any, list[Canary]]:
        n = next(self.counter)
        if isinstance(shape, StructureShape):
            cls = self.classes(shape)
            assert cls is not None, f"{path}: no model class for shape {shape.name}"
            return self.structure(shape, cls, path)
        if isinstance(shape, ListShape):
            item, canaries = self.value(shape.member, f"{path}[0]")
            return [item], canaries
        if isinstance(shape, MapShape):
            key, key_canaries = self.value(shape.key, f"{path}.key")
            value, value_canaries = self.value(shape.value, f"{path}[key]")
            return {key: value}, key_canaries + value_canaries
        if shape.type_name in ("integer", "long"):
            number = 913_570_000 + n
            return number, [Canary(path, str(number), False)]
        if shape.type_name == "boolean":
            return True, []
        if shape.type_name == "timestamp":
            return datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC), []
        text = f"CANARY{n:04d}Q"
        if shape.type_name == "blob":
            # A streaming payload (GetImageFrame's pixel data) is never shown, marked sensitive or not.
            streaming = bool(shape.serialization.get("streaming"))
            return f'{{"PatientName":"{text}"}}'.encode(), [Canary(path, text, streaming)]
        assert shape.type_name == "string", f"{path}: unexpected shape type {shape.type_name}"
        return text, [Canary(path, text, False)]


def _origin(cls: type) -> type:
    """The model class whose wire names a (test-made) look-alike class borrows."""
    return getattr(cls, "__origin_model__", cls)


def roots(shape: StructureShape, path: str) -> Iterator[tuple[StructureShape, type, str]]:
    """The modelled structures of an operation's input or output shape (request shapes have no model)."""
    cls = model_class(shape)
    if cls is not None:
        yield shape, cls, path
        return
    for name, member in shape.members.items():
        member_cls = model_class(member) if isinstance(member, StructureShape) else None
        if member_cls is None:
            assert not holds_sensitive(member), f"{path}.{name} holds sensitive data but has no model class"
            continue
        assert isinstance(member, StructureShape)
        yield member, member_cls, f"{path}.{name}"


def plant_all(planter: Planter) -> None:
    for operation in Operation:
        op = SERVICE.operation_model(operation)
        for top, label in ((op.input_shape, "input"), (op.output_shape, "output")):
            assert isinstance(top, StructureShape)
            for shape, cls, path in roots(top, f"{operation}.{label}"):
                planter.structure(shape, cls, path)


def leaks(built: list[Built]) -> list[str]:
    """What the masking gets wrong, per model instance; empty when all is well."""
    problems: list[str] = []
    for item in built:
        shown = {"repr": repr(item.instance), "str": str(item.instance)}
        values = repr(attrs.asdict(item.instance, recurse=True))
        for canary in item.canaries:
            assert canary.text in values, f"{canary.path}: planted value not reachable through the attributes"
            for how, text in shown.items():
                if canary.sensitive and canary.text in text:
                    problems.append(f"{how} of {type(item.instance).__name__} at {item.path} shows {canary.path}")
                if not canary.sensitive and canary.text not in text:
                    problems.append(f"{how} of {type(item.instance).__name__} at {item.path} hides {canary.path}")
    return problems


def test_every_sensitive_member_of_the_service_model_is_masked() -> None:
    planter = Planter()
    plant_all(planter)
    assert leaks(planter.built) == []


def test_the_walk_covers_the_sensitive_members_we_know_of() -> None:
    planter = Planter()
    plant_all(planter)
    sensitive = {c.path.rsplit(".", 1)[-1] for b in planter.built for c in b.canaries if c.sensitive}
    assert {
        "DICOMPatientId",
        "DICOMPatientName",
        "DICOMPatientBirthDate",
        "DICOMPatientSex",
        "DICOMAccessionNumber",
        "DICOMStudyDescription",
        "DICOMSeriesNumber",
        "DICOMStudyDate",
        "DICOMStudyTime",
        "updatableAttributes",
        "removableAttributes",
        "copiableAttributes",
        "sortOrder",  # below SearchCriteria, which is sensitive as a whole
        "imageFrameBlob",  # pixel data: shown by its size only
        "studyInstanceUID",  # an import job's metadata mappings
        "seriesInstanceUID",
    } <= sensitive
    built_types = {type(b.instance) for b in planter.built}
    assert {m.SearchCriteria, m.MetadataUpdates, m.CopyImageSetInformation, m.SearchImageSetsOutput} <= built_types
    assert {m.ImportConfiguration, m.GetDICOMImportJobOutput, m.GetDatastoreOutput, m.ListTagsForResourceOutput} <= (
        built_types
    )


def test_an_unmasked_sensitive_field_is_caught() -> None:
    """The check can fail: a look-alike DICOMTags without masks leaks, and is reported."""
    leaky = attrs.make_class(
        "DICOMTags",
        {a.name: attrs.field(default=None) for a in attrs.fields(m.DICOMTags)},
        frozen=True,
        kw_only=True,
    )
    leaky.__origin_model__ = m.DICOMTags  # type: ignore[attr-defined]
    planter = Planter(lambda shape: leaky if shape.name == "DICOMTags" else model_class(shape))
    plant_all(planter)
    found = leaks(planter.built)
    assert any(
        "shows SearchImageSets.output.imageSetsMetadataSummaries[0].DICOMTags.DICOMPatientName" in p for p in found
    )


@pytest.mark.parametrize("render", [repr, str])
def test_metadata_document_shows_only_its_identifiers(render: Callable[[object], str]) -> None:
    document = {
        "SchemaVersion": "1.1",
        "DatastoreID": "0123456789abcdef0123456789abcdef",
        "ImageSetID": "fedcba9876543210fedcba9876543210",
        "Patient": {"DICOM": {"PatientName": "CANARY^METADATA", "PatientID": "CANARY-MRN-77"}},
        "Study": {"DICOM": {"StudyDescription": "CANARY STUDY", "AccessionNumber": "CANARY-ACC"}},
    }
    metadata = hic.ImageSetMetadata(document)
    text = render(metadata)
    assert "CANARY" not in text
    assert "fedcba9876543210fedcba9876543210" in text
    assert metadata["Patient"]["DICOM"]["PatientName"] == "CANARY^METADATA"
