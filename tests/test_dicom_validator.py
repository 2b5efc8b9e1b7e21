"""The tests' synthetic image set exports to files ``dciodvfy`` finds no error in (see ``tests/dciodvfy.py``)."""

from __future__ import annotations

from pathlib import Path

import pytest

pydicom = pytest.importorskip("pydicom")
pytest.importorskip("imagecodecs")

from healthimaging_client.dicom import to_dataset, write_part10  # noqa: E402
from healthimaging_client.metadata import ImageSetMetadata  # noqa: E402

from . import dciodvfy  # noqa: E402
from . import dicom_documents as docs  # noqa: E402

pytestmark = dciodvfy.needed

DOCUMENT, EXAMPLES = docs.image_set()


def _export(tmp_path: Path, example: docs.Example, document: dict[str, object] = DOCUMENT) -> Path:
    metadata = ImageSetMetadata(document)
    instance = metadata.study.series[example.series_uid].instances[example.sop_uid]
    return write_part10(tmp_path / f"{example.name}.dcm", to_dataset(metadata, instance), example.frames)


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda e: e.name)
def test_dciodvfy_finds_no_error(tmp_path: Path, example: docs.Example) -> None:
    assert dciodvfy.errors(_export(tmp_path, example)) == []


def test_dciodvfy_has_teeth(tmp_path: Path) -> None:
    """A file missing a required attribute fails, so a clean verdict above means something."""
    example = EXAMPLES[1]  # CT: ImageType is Type 1
    document = docs.image_set()[0]
    del document["Study"]["Series"][example.series_uid]["Instances"][example.sop_uid]["DICOM"]["ImageType"]
    assert any("ImageType" in line for line in dciodvfy.findings(_export(tmp_path, example, document)))
