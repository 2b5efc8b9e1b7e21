"""``healthimaging`` at a terminal: the progress display, the confirmation prompt and Ctrl-C.

Each test runs the real program in a pseudo-terminal (``pty``) against the
emulator on loopback, as a person would run it.
"""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import attrs
import pytest

from healthimaging_client.cli._exit import ExitCode
from healthimaging_client.testing import FrameFormat, LocalHealthImaging, SyntheticInstance
from tests.cli_support import Clock

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="pseudo-terminals are POSIX")

PATIENT = {"PatientID": "PAT-TTY-1", "PatientName": "DOE^JOHN"}
IMPORT_INPUT = "s3://tty-input/dicom/"
SMALL = FrameFormat(rows=32, columns=32)
DEADLINE = 20.0


@attrs.frozen
class Session:
    """What a program printed to its terminal, and how it ended."""

    returncode: int
    screen: str
    stderr: str = ""


@attrs.define
class Terminal:
    """Runs ``python -m healthimaging_client`` in a pseudo-terminal; ``react`` may type or signal as output comes."""

    endpoint_url: str
    env: dict[str, str]

    def run(
        self,
        *args: str,
        react: Callable[[str, subprocess.Popen[bytes], int], None] | None = None,
        stderr_to_terminal: bool = True,
    ) -> Session:
        leader, follower = pty.openpty()
        proc = subprocess.Popen(
            [sys.executable, "-m", "healthimaging_client", *args, "--endpoint-url", self.endpoint_url],
            stdin=follower,
            stdout=follower,
            stderr=follower if stderr_to_terminal else subprocess.PIPE,
            env=self.env,
        )
        os.close(follower)
        screen = b""
        deadline = time.monotonic() + DEADLINE
        try:
            while time.monotonic() < deadline:
                ready, _, _ = select.select([leader], [], [], 0.05)
                if ready:
                    try:
                        chunk = os.read(leader, 4096)
                    except OSError:  # the program exited and closed the terminal
                        break
                    if not chunk:
                        break
                    screen += chunk
                    if react is not None:
                        react(screen.decode(errors="replace"), proc, leader)
                elif proc.poll() is not None:
                    break
            else:
                proc.kill()
                raise AssertionError(f"still running after {DEADLINE}s; screen so far: {screen!r}")
            stderr = proc.stderr.read().decode() if proc.stderr else ""
            return Session(proc.wait(timeout=DEADLINE), screen.decode(errors="replace"), stderr)
        finally:
            os.close(leader)
            if proc.poll() is None:
                proc.kill()


@attrs.frozen
class Served:
    emulator: LocalHealthImaging
    terminal: Terminal
    image_set_id: str
    clock: Clock

    def version_count(self) -> int:
        with self.emulator.client() as client:
            return len(list(client.iter_image_set_versions(self.emulator.datastore_id, self.image_set_id)))


@pytest.fixture
def served() -> Iterator[Served]:
    clock = Clock()
    emulator = LocalHealthImaging(seed=3, image_sets=11, clock=clock, import_delay=3600)
    image_set_id = emulator.add_image_set(patient=PATIENT)
    emulator.add_dicom_files(IMPORT_INPUT, [SyntheticInstance(key="1.dcm", patient=PATIENT)])
    with emulator.serve() as endpoint_url:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "TERM": "xterm",
            "AWS_ACCESS_KEY_ID": emulator.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": emulator.aws_secret_access_key,
            "AWS_DEFAULT_REGION": emulator.region_name,
            "AWS_CONFIG_FILE": os.environ["AWS_CONFIG_FILE"],
            "AWS_SHARED_CREDENTIALS_FILE": os.environ["AWS_SHARED_CREDENTIALS_FILE"],
            "AWS_EC2_METADATA_DISABLED": "true",
            "HEALTHIMAGING_DATASTORE_ID": emulator.datastore_id,
        }
        yield Served(emulator, Terminal(endpoint_url, env), image_set_id, clock)


def _answer(prompt: str, keys: str) -> Callable[[str, subprocess.Popen[bytes], int], None]:
    typed: list[bool] = []

    def react(screen: str, proc: subprocess.Popen[bytes], leader: int) -> None:
        if prompt in screen and not typed:
            typed.append(True)
            os.write(leader, keys.encode())

    return react


def _interrupt_when(text: str) -> Callable[[str, subprocess.Popen[bytes], int], None]:
    """Ctrl-C a moment after ``text`` shows, as a person would.

    Not at once: CPython loses a SIGINT that lands between printing a prompt and
    blocking on its input, a window no person's reaction hits.
    """
    sent: list[bool] = []

    def react(screen: str, proc: subprocess.Popen[bytes], leader: int) -> None:
        if text in screen and not sent:
            sent.append(True)
            time.sleep(0.3)
            proc.send_signal(signal.SIGINT)

    return react


# --- progress ---------------------------------------------------------------------------------


def test_a_long_search_draws_a_progress_bar_then_erases_it(served: Served) -> None:
    served.emulator.delay_responses(0.1, operation="SearchImageSets")
    session = served.terminal.run("search", "--page-size", "3", "--max-items", "12")
    assert session.returncode == 0, session.screen
    assert "searching [" in session.screen
    assert "/12 image sets" in session.screen
    bar, table = session.screen.rsplit("\r\x1b[K", 1)
    assert "searching [" in bar and "searching" not in table
    assert table.lstrip().startswith("IMAGE SET")
    assert table.count(" yes ") == 12


def test_the_debug_log_replaces_the_progress_bar(served: Served) -> None:
    served.emulator.delay_responses(0.1, operation="SearchImageSets")
    session = served.terminal.run("search", "--page-size", "3", "--max-items", "12", "--debug")
    assert session.returncode == 0
    assert session.screen.count("SearchImageSets -> HTTP 200") == 4
    assert "searching" not in session.screen


def test_the_progress_bar_stays_off_a_pipe(served: Served) -> None:
    served.emulator.delay_responses(0.1, operation="SearchImageSets")
    session = served.terminal.run("search", "--page-size", "3", "--max-items", "12", stderr_to_terminal=False)
    assert session.returncode == 0
    assert "searching" not in session.stderr + session.screen
    assert "\r" not in session.stderr


def test_a_wait_shows_a_spinner(served: Served) -> None:
    served.emulator.state_delay = 3600
    update = served.terminal.run("update", served.image_set_id, "--set", "Patient.PatientName=DOE^JANE", "--yes")
    assert update.returncode == 0, update.screen

    def unlock_once_the_spinner_shows(screen: str, proc: subprocess.Popen[bytes], leader: int) -> None:
        if "| waiting for image set" in screen:
            served.clock.now = 1e10

    session = served.terminal.run(
        "wait", served.image_set_id, "--poll-interval", "0.1", react=unlock_once_the_spinner_shows
    )
    assert session.returncode == 0, session.screen
    assert f"| waiting for image set {served.image_set_id}" in session.screen
    assert "workflow status  UPDATED" in session.screen


def test_an_import_wait_shows_a_spinner_with_the_time_it_has_run(served: Served) -> None:
    def finish_once_the_spinner_shows(screen: str, proc: subprocess.Popen[bytes], leader: int) -> None:
        if "| waiting for import job" in screen:
            served.clock.now = 1e10

    session = served.terminal.run(
        "import", "start", "--input-s3-uri", IMPORT_INPUT, "--output-s3-uri", "s3://tty-output/",
        "--role-arn", "arn:aws:iam::123456789012:role/TtyImport", "--yes", "--wait", "--poll-interval", "0.1",
        react=finish_once_the_spinner_shows,
    )  # fmt: skip
    assert session.returncode == 0, session.screen
    assert re.search(r"\| waiting for import job [0-9a-f]{32} 0s", session.screen)
    _, output = session.screen.rsplit("\r\x1b[K", 1)
    assert "waiting" not in output and "status     COMPLETED" in output
    assert "then healthimaging import results DIR" in output


def test_decoding_frames_draws_a_bar_of_frames(served: Served, tmp_path: Path) -> None:
    image_set_id = served.emulator.add_image_set(patient=PATIENT, instances=6, frame_format=SMALL)
    served.emulator.delay_responses(0.15, operation="GetImageFrame")
    target = tmp_path / "volume.npy"
    session = served.terminal.run("frames", image_set_id, str(target), "--concurrency", "1")
    assert session.returncode == 0, session.screen
    assert re.search(r"decoding frames \[#*\.*\] [0-5]/6 frames", session.screen)
    _, output = session.screen.rsplit("\r\x1b[K", 1)
    assert "decoding frames" not in output and "shape        6, 32, 32" in output
    assert target.is_file()


def test_an_export_draws_a_bar_of_files(served: Served, tmp_path: Path) -> None:
    image_set_id = served.emulator.add_image_set(patient=PATIENT, instances=6, frame_format=SMALL)
    served.emulator.delay_responses(0.15, operation="GetImageFrame")
    session = served.terminal.run("export", image_set_id, str(tmp_path), "--concurrency", "1")
    assert session.returncode == 0, session.screen
    assert re.search(r"exporting \[#*\.*\] [0-5]/6 files", session.screen)
    _, output = session.screen.rsplit("\r\x1b[K", 1)
    assert "exporting [" not in output and "written                     6" in output


# --- the confirmation prompt ------------------------------------------------------------------


def test_a_write_asks_first_and_a_no_sends_nothing(served: Served) -> None:
    session = served.terminal.run(
        "update", served.image_set_id, "--set", "Patient.PatientName=DOE^JANE", react=_answer("[y/N]", "n\r")
    )
    assert session.returncode == ExitCode.DECLINED, session.screen
    assert f"Update image set {served.image_set_id} (version 1): set 1 attribute(s)? [y/N]" in session.screen
    assert "DOE^JANE" not in session.screen.split("[y/N]")[0].split("\n")[-1]
    assert "declined: nothing was sent" in session.screen
    assert served.version_count() == 1


def test_a_yes_at_the_prompt_sends_the_write(served: Served) -> None:
    session = served.terminal.run(
        "update", served.image_set_id, "--set", "Patient.PatientName=DOE^JANE", react=_answer("[y/N]", "y\r")
    )
    assert session.returncode == 0, session.screen
    assert "new version      2" in session.screen
    assert served.version_count() == 2


def test_yes_skips_the_prompt(served: Served) -> None:
    session = served.terminal.run("update", served.image_set_id, "--set", "Patient.PatientName=X", "--yes")
    assert session.returncode == 0 and "[y/N]" not in session.screen
    assert served.version_count() == 2


def test_deleting_a_datastore_asks_with_its_name_and_a_no_keeps_it(served: Served) -> None:
    with served.emulator.client() as client:
        scratch = client.create_datastore(datastore_name="scratch").datastore_id
        session = served.terminal.run("datastores", "delete", scratch, react=_answer("[y/N]", "n\r"))
        assert session.returncode == ExitCode.DECLINED, session.screen
        assert f"Delete datastore 'scratch' ({scratch})? This cannot be undone. [y/N]" in session.screen
        assert client.get_datastore(scratch).datastore_properties.datastore_status == "ACTIVE"
        session = served.terminal.run("datastores", "delete", scratch, react=_answer("[y/N]", "y\r"))
        assert session.returncode == 0, session.screen
        assert client.get_datastore(scratch).datastore_properties.datastore_status != "ACTIVE"


# --- Ctrl-C -------------------------------------------------------------------------------------


def test_ctrl_c_at_the_prompt_sends_nothing(served: Served) -> None:
    session = served.terminal.run(
        "update", served.image_set_id, "--set", "Patient.PatientName=X", react=_interrupt_when("[y/N]")
    )
    assert session.returncode == ExitCode.INTERRUPTED, session.screen
    assert "interrupted" in session.screen and "Traceback" not in session.screen
    assert served.version_count() == 1


def test_ctrl_c_during_an_export_leaves_whole_files_only_and_a_rerun_finishes(served: Served, tmp_path: Path) -> None:
    image_set_id = served.emulator.add_image_set(patient=PATIENT, instances=6, frame_format=SMALL)
    delay = 0.4
    served.emulator.delay_responses(delay, operation="GetImageFrame")
    session = served.terminal.run(
        "export", image_set_id, str(tmp_path), "--concurrency", "1", react=_interrupt_when("exporting [")
    )
    time.sleep(delay)  # the emulator's late answer meets the closed connection within this test
    assert session.returncode == ExitCode.INTERRUPTED, session.screen
    assert "run the same command again to finish" in session.screen and "Traceback" not in session.screen
    assert list(tmp_path.rglob("*.part")) == []
    kept = list(tmp_path.rglob("*.dcm"))
    assert 0 < len(kept) < 6
    served.emulator.delay_responses(0, operation="GetImageFrame")
    finished = served.terminal.run("export", image_set_id, str(tmp_path), "-o", "json")
    assert finished.returncode == 0, finished.screen
    assert f'"files_skipped": {len(kept)}' in finished.screen and len(list(tmp_path.rglob("*.dcm"))) == 6


def test_ctrl_c_during_a_download_stops_cleanly_and_leaves_no_file(served: Served, tmp_path: Path) -> None:
    delay = 2.0
    served.emulator.delay_responses(delay, operation="GetImageSetMetadata")
    target = tmp_path / "metadata.json"
    session = served.terminal.run(
        "metadata", served.image_set_id, "--download", str(target), react=_interrupt_when("downloading metadata")
    )
    time.sleep(delay)  # the emulator's late answer meets the closed connection within this test
    assert session.returncode == ExitCode.INTERRUPTED, session.screen
    assert session.screen.rstrip().endswith("interrupted")
    assert "Traceback" not in session.screen
    assert list(tmp_path.iterdir()) == []
