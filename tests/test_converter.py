"""The converter's wire names: one rule plus the model's real exceptions, checked against botocore's model."""

from __future__ import annotations

import attrs
import botocore.session
import pytest
from botocore.model import StructureShape

from healthimaging_client import models as m
from healthimaging_client._wire.converter import WIRE_NAME_EXCEPTIONS, is_model, wire_name, wire_names

SERVICE = botocore.session.get_session().get_service_model("medical-imaging")
MODELS = sorted((cls for cls in vars(m).values() if is_model(cls)), key=lambda cls: cls.__name__)


def shape_of(cls: type) -> StructureShape:
    """The service model's structure for a model class: same name, or ``...Response`` for ``...Output``."""
    for name in (cls.__name__, cls.__name__.removesuffix("Output") + "Response"):
        try:
            shape = SERVICE.shape_for(name)
        except Exception:  # botocore raises NoShapeFoundError
            continue
        assert isinstance(shape, StructureShape)
        return shape
    raise AssertionError(f"{cls.__name__} is named after no shape of the service model")


@pytest.mark.parametrize("cls", MODELS, ids=lambda cls: cls.__name__)
def test_every_field_has_the_wire_name_of_a_member_of_its_shape(cls: type) -> None:
    members = set(shape_of(cls).members)
    names = wire_names(cls)
    assert set(names) == {a.name for a in attrs.fields(cls)}
    missing = {field: wire for field, wire in names.items() if wire not in members}
    assert not missing, f"{cls.__name__}: no such members in the model: {missing}"


def test_the_exceptions_are_real_ones() -> None:
    for cls, renames in WIRE_NAME_EXCEPTIONS.items():
        for field, wire in renames.items():
            assert wire != wire_name(field), f"{cls.__name__}.{field} follows the rule: drop it from the exceptions"
            assert wire in shape_of(cls).members


@pytest.mark.parametrize(
    ("field", "wire"),
    [
        ("image_set_id", "imageSetId"),
        ("dicom_patient_id", "DICOMPatientId"),
        ("dicom_study_instance_uid", "DICOMStudyInstanceUID"),
        ("is_primary", "isPrimary"),
        ("next_token", "nextToken"),
        ("values", "values"),
    ],
)
def test_the_rule(field: str, wire: str) -> None:
    assert wire_name(field) == wire


def test_every_model_is_checked() -> None:
    assert {m.ImageSetProperties, m.SearchImageSetsOutput, m.DICOMTags, m.CopyImageSetOutput} <= set(MODELS)
    assert len(MODELS) >= 21
