"""``healthimaging frames`` and ``export`` against the emulator: the files they write, and their exit codes.

What the files hold is compared with what the SDK's own methods return for
the same frames, so these tests check the command line, not the decoders
(tests/test_pixel*.py and tests/test_export.py do that).
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

np = pytest.importorskip("numpy")
imagecodecs = pytest.importorskip("imagecodecs")
pydicom = pytest.importorskip("pydicom")

from healthimaging_client.cli._exit import ExitCode  # noqa: E402
from healthimaging_client.cli._preview import to_8bit  # noqa: E402
from healthimaging_client.metadata import ImageSetMetadata  # noqa: E402
from healthimaging_client.testing import FrameFormat, LocalHealthImaging  # noqa: E402
from tests.cli_support import Served, clear_cli_environment, invoke  # noqa: E402

# Synthetic values only.
PATIENT = {"PatientID": "PAT-PIX-1", "PatientName": "DOE^PIXEL"}
AXIAL = "2.25.4001"
CINE = "2.25.4002"
SMALL = FrameFormat(rows=32, columns=48, bits_stored=12, rescale=(1.0, -1024.0))
HAS_DCIODVFY = shutil.which("dciodvfy") is not None


@pytest.fixture(autouse=True)
def _no_cli_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cli_environment(monkeypatch)


@attrs.frozen
class Pixels(Served):
    """The served emulator with an image set of two series: three single-frame slices, and one 4-frame instance."""

    image_set_id: str
    single_series_id: str

    def metadata(self, image_set_id: str | None = None) -> ImageSetMetadata:
        with self.emulator.client() as client:
            return client.get_image_set_metadata(self.datastore_id, image_set_id or self.image_set_id)

    def sdk(self) -> Any:
        return self.emulator.client()

    def run_with_path(self, folder: Path, *args: str) -> Any:
        """Run with only ``folder`` on PATH: the programs the command can find."""
        return invoke("--endpoint-url", self.endpoint_url, *args, env={**self.env(), "PATH": str(folder)})


@pytest.fixture
def served() -> Iterator[Pixels]:
    emulator = LocalHealthImaging(seed=7)
    two_series = emulator.add_image_set(
        patient=PATIENT,
        series=[{"SeriesInstanceUID": AXIAL, "Modality": "CT"}],
        instances=3,
        frame_format=SMALL,
    )
    with emulator.client() as client:  # the 4-frame instance, as a second series of the same image set
        cine = emulator.add_image_set(
            patient=PATIENT, series=[{"SeriesInstanceUID": CINE}], frames=4, frame_format=SMALL
        )
        client.copy_image_set(
            emulator.datastore_id,
            cine,
            source_latest_version_id="1",
            destination_image_set_id=two_series,
            destination_latest_version_id="1",
            force=True,
        )
        client.wait_for_image_set(emulator.datastore_id, two_series, poll_interval=0.01)
    single = emulator.add_image_set(patient=PATIENT, instances=2, frame_format=SMALL)
    with emulator.serve() as endpoint_url:
        yield Pixels(emulator, endpoint_url, two_series, single)


def _load(path: Path) -> Any:
    return np.load(path, allow_pickle=False)


# --- frames ------------------------------------------------------------------------------------------


def test_a_series_becomes_a_volume_with_its_geometry(served: Pixels, tmp_path: Path) -> None:
    target = tmp_path / "axial.npy"
    shown = served.json("frames", served.image_set_id, str(target), "--series", AXIAL)
    with served.sdk() as client:
        volume = client.get_series_volume(
            served.datastore_id, served.image_set_id, served.metadata().study.series[AXIAL]
        )
    saved = _load(target)
    assert saved.dtype == np.uint16 and saved.shape == (3, 32, 48)
    assert np.array_equal(saved, volume.array)
    assert shown["shape"] == [3, 32, 48] and shown["frames"] == 3 and shown["dtype"] == "uint16"
    assert shown["spacing"] == list(volume.spacing) and shown["ordered_by"] == volume.ordered_by
    assert shown["origin"] == list(volume.origin)


def test_rescale_gives_physical_values(served: Pixels, tmp_path: Path) -> None:
    target = tmp_path / "hu.npy"
    assert served.run("frames", served.image_set_id, str(target), "--series", AXIAL, "--rescale").exit_code == 0
    with served.sdk() as client:
        series = served.metadata().study.series[AXIAL]
        volume = client.get_series_volume(served.datastore_id, served.image_set_id, series, rescale=True)
    saved = _load(target)
    assert saved.dtype == np.float32 and np.array_equal(saved, volume.array)
    assert saved.min() < 0  # Hounsfield units, from an intercept of -1024


def test_an_instance_stacks_its_frames_in_order(served: Pixels, tmp_path: Path) -> None:
    [(sop_uid, instance)] = served.metadata().study.series[CINE].instances.items()
    target = tmp_path / "cine.npy"
    assert served.json("frames", served.image_set_id, str(target), "--instance", sop_uid)["shape"] == [4, 32, 48]
    with served.sdk() as client:
        expected = [
            client.get_frame_array(served.datastore_id, served.image_set_id, frame.id)
            for frame in instance.image_frames
        ]
    assert np.array_equal(_load(target), np.stack(expected))


def test_one_frame_is_rows_by_columns(served: Pixels, tmp_path: Path) -> None:
    frame = next(served.metadata().iter_frames())
    target = tmp_path / "frame.npy"
    shown = served.json("frames", served.image_set_id, str(target), "--frame", frame.id)
    with served.sdk() as client:
        expected = client.get_frame_array(served.datastore_id, served.image_set_id, frame.id)
    assert shown["shape"] == [32, 48] and np.array_equal(_load(target), expected)


def test_a_png_shows_the_middle_slice_windowed(served: Pixels, tmp_path: Path) -> None:
    target = tmp_path / "middle.png"
    shown = served.json("frames", served.image_set_id, str(target), "--series", AXIAL)
    series = served.metadata().study.series[AXIAL]
    with served.sdk() as client:
        volume = client.get_series_volume(served.datastore_id, served.image_set_id, series, rescale=True)
    middle = volume.frame_ids[1]
    instance = next(i for i in series.instances.values() if i.image_frames[0].id == middle)
    picture = imagecodecs.png_decode(target.read_bytes())
    assert shown["frame"] == middle and picture.dtype == np.uint8 and picture.shape == (32, 48)
    assert np.array_equal(picture, to_8bit(volume.array[1], instance))
    assert picture.min() < picture.max()


def test_the_only_series_is_the_default(served: Pixels, tmp_path: Path) -> None:
    target = tmp_path / "only.npy"
    assert served.json("frames", served.single_series_id, str(target))["shape"] == [2, 32, 48]
    several = served.run("frames", served.image_set_id, str(tmp_path / "which.npy"))
    assert several.exit_code == ExitCode.USAGE and "the image set has 2 series" in several.stderr


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--series", "2.25.404"], "no series with this SeriesInstanceUID"),
        (["--instance", "2.25.404"], "no instance with this SOPInstanceUID"),
        (["--frame", "0" * 32], "no frame with this id"),
        (["--series", AXIAL, "--frame", "0" * 32], "choose one of --frame, --instance and --series"),
    ],
)
def test_bad_choices_are_usage_errors(served: Pixels, tmp_path: Path, options: list[str], message: str) -> None:
    result = served.run("frames", served.image_set_id, str(tmp_path / "out.npy"), *options)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_the_file_name_says_the_format_and_an_existing_file_is_kept(served: Pixels, tmp_path: Path) -> None:
    wrong = served.run("frames", served.image_set_id, str(tmp_path / "out.tiff"), "--series", AXIAL)
    assert wrong.exit_code == ExitCode.USAGE and ".npy or .png" in wrong.stderr
    mine = tmp_path / "mine.npy"
    mine.write_bytes(b"mine")
    kept = served.run("frames", served.image_set_id, str(mine), "--series", AXIAL)
    assert kept.exit_code == ExitCode.USAGE and "--overwrite" in kept.stderr and mine.read_bytes() == b"mine"
    assert served.run("frames", served.image_set_id, str(mine), "--series", AXIAL, "--overwrite").exit_code == 0
    assert _load(mine).shape == (3, 32, 48)


def test_an_unknown_image_set_exits_4_and_writes_nothing(served: Pixels, tmp_path: Path) -> None:
    result = served.run("frames", "0" * 32, str(tmp_path / "out.npy"))
    assert result.exit_code == ExitCode.NOT_FOUND
    assert list(tmp_path.iterdir()) == []


# --- export -----------------------------------------------------------------------------------------


def _dicom_files(directory: Path) -> list[Path]:
    return sorted(directory.rglob("*.dcm"))


def test_export_writes_one_file_per_instance(served: Pixels, tmp_path: Path) -> None:
    summary = served.json("export", served.image_set_id, str(tmp_path))
    files = _dicom_files(tmp_path)
    metadata = served.metadata()
    written = sorted(pydicom.dcmread(f).SOPInstanceUID for f in files)
    assert written == sorted(i.sop_instance_uid for i in metadata.iter_instances())
    assert summary["files"] == summary["files_written"] == len(files) == 4
    assert summary["frames_written"] == 7 and summary["files_skipped"] == 0
    assert summary["bytes_written"] == sum(f.stat().st_size for f in files)
    assert summary["validation"] is None
    assert not list(tmp_path.rglob("*.part"))


def test_export_of_one_series_and_a_second_run_skips_what_is_there(served: Pixels, tmp_path: Path) -> None:
    first = served.json("export", served.image_set_id, str(tmp_path), "--series", AXIAL)
    assert first["files_written"] == 3 and {f.parent.name for f in _dicom_files(tmp_path)} == {AXIAL}
    again = served.json("export", served.image_set_id, str(tmp_path))
    assert (again["files_skipped"], again["files_written"]) == (3, 1)


def test_export_table_masks_the_file_paths_unless_asked(served: Pixels, tmp_path: Path) -> None:
    fake = _fake_validator(tmp_path / "bin", "Error - Missing attribute Type 1 PatientName DOE^PIXEL")
    result = served.run_with_path(fake, "export", served.image_set_id, str(tmp_path / "out"), "--validate")
    assert result.exit_code == ExitCode.INVALID_FILES, result.output
    assert "files invalid               4" in result.stdout
    assert "***" in result.stdout and AXIAL not in result.stdout and "DOE^PIXEL" not in result.stdout
    shown = served.run_with_path(fake, "export", served.image_set_id, str(tmp_path / "out"), "--validate", "--show-phi")
    assert AXIAL in shown.stdout and "DOE^PIXEL" in shown.stdout


def _fake_validator(folder: Path, finding: str) -> Path:
    """A ``dciodvfy`` that finds ``finding`` in every file, to see the command act on a verdict of errors."""
    folder.mkdir()
    program = folder / "dciodvfy"
    program.write_text(f"#!/bin/sh\necho '{finding}' >&2\nexit 1\n")
    program.chmod(program.stat().st_mode | stat.S_IEXEC)
    return folder


def test_validate_without_dciodvfy_exits_3_before_exporting(served: Pixels, tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = served.run_with_path(empty, "export", served.image_set_id, str(tmp_path / "out"), "--validate")
    assert result.exit_code == ExitCode.CONFIG and "apt-get install dicom3tools" in result.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.skipif(not HAS_DCIODVFY, reason="dciodvfy is not installed (Debian: apt-get install dicom3tools)")
def test_validate_with_dciodvfy(served: Pixels, tmp_path: Path) -> None:
    transcoded = served.json("export", served.image_set_id, str(tmp_path / "native"), "--transcode", "--validate")
    assert {v["verdict"] for v in transcoded["validation"]} == {"valid"}
    assert all(v["errors"] == [] for v in transcoded["validation"])
    stored = served.run("export", served.image_set_id, str(tmp_path / "htj2k"), "--validate")
    assert stored.exit_code == 0, stored.output
    assert "files not checked           4" in stored.stdout
    assert "this dciodvfy cannot read HTJ2K" in stored.stderr


# --- the extras ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("blocked", "command", "extra"),
    [("numpy", ["frames", "a" * 32, "out.npy"], "pixels"), ("pydicom", ["export", "a" * 32, "out"], "dicom")],
)
def test_a_missing_extra_is_named_before_anything_is_sent(
    tmp_path: Path, blocked: str, command: list[str], extra: str
) -> None:
    code = (
        f"import sys; sys.modules[{blocked!r}] = None\n"
        "from healthimaging_client.cli import main\n"
        f"sys.argv = ['healthimaging', *{command!r}, '--endpoint-url', 'http://127.0.0.1:9']\n"
        "main()"
    )
    credentials = {
        "AWS_ACCESS_KEY_ID": "AKIDEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": "fake",
        "AWS_DEFAULT_REGION": "us-east-1",
        "HEALTHIMAGING_DATASTORE_ID": "b" * 32,
        "PYTHONPATH": str(Path(__file__).resolve().parent.parent),  # this checkout, from the temporary folder
    }
    proc = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, **credentials},
        timeout=60,
        check=False,
    )
    assert proc.returncode == ExitCode.CONFIG, proc.stderr
    assert f"pip install 'healthimaging-client[{extra}]'" in proc.stderr
    assert "Traceback" not in proc.stderr and list(tmp_path.iterdir()) == []
