"""The ``dicom`` extra is optional: pydicom loads only when export needs it, else a typed error names the extra."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

import healthimaging_client.dicom as dicom
from healthimaging_client.errors import HealthImagingError


def _run(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=60, check=False
    )


def test_importing_the_sdk_and_its_dicom_package_loads_no_pydicom() -> None:
    run = _run(
        """
        import sys
        import healthimaging_client, healthimaging_client.metadata, healthimaging_client.testing
        import healthimaging_client.dicom
        from healthimaging_client.dicom import DICOMExportError, ExtraNotInstalledError, instance_path, is_complete
        assert "pydicom" not in sys.modules, sorted(m for m in sys.modules if "pydicom" in m)
        """
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize(
    "setup",
    [
        "sys.modules['pydicom'] = None  # as if it were not installed",
        "sys.modules['pydicom'] = types.SimpleNamespace(__version__='2.4.4')  # too old",
    ],
    ids=["missing", "too-old"],
)
def test_export_without_pydicom_3_raises_a_typed_import_error(setup: str) -> None:
    run = _run(
        f"""
        import sys, types
        {setup}
        from healthimaging_client.errors import HealthImagingError
        from healthimaging_client import ExtraNotInstalledError
        try:
            from healthimaging_client.dicom import to_dataset
        except ExtraNotInstalledError as error:
            assert isinstance(error, ImportError) and isinstance(error, HealthImagingError)
            assert error.extra == "dicom" and error.missing.startswith("pydicom")
            print(error)
        else:
            raise SystemExit("no error")
        """
    )
    assert run.returncode == 0, run.stderr
    assert "pip install 'healthimaging-client[dicom]'" in run.stdout


def test_the_functions_that_need_pydicom_load_on_first_use() -> None:
    pytest.importorskip("pydicom")
    from healthimaging_client.dicom._dataset import to_dataset

    assert dicom.to_dataset is to_dataset
    with pytest.raises(AttributeError, match="no attribute 'nothing_here'"):
        _ = dicom.nothing_here  # type: ignore[attr-defined]


def test_the_errors_are_sdk_errors() -> None:
    assert issubclass(dicom.ExtraNotInstalledError, HealthImagingError)
    assert issubclass(dicom.ExtraNotInstalledError, ImportError)
    assert issubclass(dicom.DICOMExportError, HealthImagingError)
    assert issubclass(dicom.DICOMExportError, ValueError)


def test_transcoding_without_the_pixels_extra_names_it() -> None:
    """Export in the stored encoding needs only pydicom; transcoding also needs the pixels extra."""
    pytest.importorskip("pydicom")
    run = _run(
        """
        import sys
        sys.modules['imagecodecs'] = None  # as if the pixels extra were not installed
        from healthimaging_client import ExtraNotInstalledError
        from healthimaging_client.dicom import to_dataset
        from healthimaging_client.testing import LocalHealthImaging
        from healthimaging_client.testing._pixels import FrameFormat

        local = LocalHealthImaging(seed=1)
        image_set_id = local.add_image_set(frame_format=FrameFormat("1.2.840.10008.1.2.1", 8, 8))
        with local.client() as client:
            metadata = client.get_image_set_metadata(local.datastore_id, image_set_id)
        instance = next(metadata.iter_instances())
        to_dataset(metadata, instance)
        try:
            to_dataset(metadata, instance, transcode=True)
        except ExtraNotInstalledError as error:
            assert error.extra == "pixels", error.extra
            print(error)
        else:
            raise SystemExit("no error")
        """
    )
    assert run.returncode == 0, run.stderr
    assert "pip install 'healthimaging-client[pixels]'" in run.stdout
