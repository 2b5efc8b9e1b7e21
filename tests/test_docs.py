"""Every Python example in README.md and docs/*.md runs, in page order, against the emulator.

Each page's blocks share one namespace, as a reader's session would. The namespace
holds a ``client`` wired to an emulator, its ``datastore_id`` and an ``image_set_id``;
and the environment points any client a page creates itself (``Client(region_name=...)``)
at the same emulator, served on loopback, with its test credentials. So a page shows the
code a user runs against AWS, and the test runs that very code.

A block that cannot run here (one that needs boto3 and AWS) is preceded by the line
``<!-- no-run: why -->``. Use it sparingly; the test below keeps count.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import pytest

import healthimaging_client.testing

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
MAX_NO_RUN_BLOCKS = 3

_FENCE = re.compile(r"^```\s*(python|py)\s*$")
_NO_RUN = re.compile(r"^<!--\s*no-run(?::\s*(?P<why>.*?))?\s*-->$")

# The image set every page can rely on; synthetic values only.
PATIENT = {"PatientID": "PAT-0001", "PatientName": "DOE^JANE", "PatientBirthDate": "19700101", "PatientSex": "F"}
STUDY = {"StudyDescription": "CHEST", "StudyDate": "20240131", "StudyTime": "093000", "AccessionNumber": "ACC-0001"}
# What the pages' import jobs find "in S3": a synthetic CT series, and one file the import rejects.
IMPORT_INPUT = "s3://example-dicom-input/incoming/"


@attrs.frozen
class Block:
    path: Path
    line: int  # the first line of code, 1-based
    code: str
    no_run_reason: str | None  # None: the block runs

    @property
    def runs(self) -> bool:
        return self.no_run_reason is None


def python_blocks(path: Path) -> list[Block]:
    """The fenced Python blocks of a Markdown file, with their line numbers and run markers."""
    lines = path.read_text(encoding="utf-8").splitlines()
    blocks: list[Block] = []
    index = 0
    while index < len(lines):
        if not _FENCE.match(lines[index]):
            index += 1
            continue
        previous = lines[index - 1].strip() if index else ""
        marker = _NO_RUN.match(previous)
        start = index + 1
        end = start
        while end < len(lines) and lines[end].strip() != "```":
            end += 1
        if end == len(lines):
            raise AssertionError(f"{path.name}:{index + 1}: unclosed code fence")
        reason = (marker.group("why") or "") if marker else None
        blocks.append(Block(path, start + 1, "\n".join(lines[start:end]) + "\n", reason))
        index = end + 1
    return blocks


def run_blocks(blocks: list[Block], namespace: dict[str, Any]) -> int:
    """Run the blocks that run, in order, in one namespace; returns how many ran.

    Each block is compiled under its Markdown file's name and real line numbers, so a
    failure's traceback points at the page.
    """
    ran = 0
    for block in blocks:
        if not block.runs:
            continue
        source = "\n" * (block.line - 1) + block.code
        exec(compile(source, str(block.path), "exec"), namespace)
        ran += 1
    return ran


def _pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


# --- the machinery itself ---------------------------------------------------------------


def test_blocks_are_found_with_their_lines_and_markers(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Title\n\n```python\nx = 1\n```\n\n<!-- no-run: needs AWS -->\n```python\nboom()\n```\n\n```sh\nls\n```\n"
    )
    blocks = python_blocks(page)
    assert [(b.line, b.code, b.no_run_reason) for b in blocks] == [(4, "x = 1\n", None), (9, "boom()\n", "needs AWS")]


def test_a_failing_block_fails_and_points_at_its_page_line(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text("```python\nvalue = 41\n```\n\ntext\n\n```python\nassert value == 42\n```\n")
    with pytest.raises(AssertionError) as caught:
        run_blocks(python_blocks(page), {})
    frame = caught.traceback[-1]
    assert (Path(str(frame.path)).name, frame.lineno + 1) == ("page.md", 8)


def test_no_run_blocks_are_few_and_say_why() -> None:
    skipped = [block for path in _pages() for block in python_blocks(path) if not block.runs]
    assert all(block.no_run_reason for block in skipped), "write <!-- no-run: why -->"
    assert len(skipped) <= MAX_NO_RUN_BLOCKS, [f"{b.path.name}:{b.line}" for b in skipped]


def test_the_docs_have_examples() -> None:
    assert sum(len(python_blocks(path)) for path in _pages()) >= 30


# --- the pages ----------------------------------------------------------------------------


_OWN_CLIENT = re.compile(r"\b(?:Async)?Client\(")


@contextlib.contextmanager
def page_namespace(monkeypatch: pytest.MonkeyPatch, *, serve: bool) -> Iterator[dict[str, Any]]:
    """A fresh emulator, a client for it, and (when ``serve``) the environment pointing at it on loopback."""
    emulator_class = getattr(healthimaging_client.testing, "LocalHealthImaging", None)
    if emulator_class is None:
        pytest.skip("the emulator (healthimaging_client.testing.LocalHealthImaging) is not in this checkout yet")
    emulator = emulator_class(seed=7, image_sets=12)
    image_set_id = emulator.add_image_set(
        patient=PATIENT, study=STUDY, series=[{"Modality": "CT", "SeriesNumber": 1}], instances=2
    )
    synthetic = healthimaging_client.testing.SyntheticInstance
    emulator.add_dicom_files(
        IMPORT_INPUT,
        [synthetic(key=f"ct/{n:03d}.dcm", patient=PATIENT, study=STUDY, series={"Modality": "CT"}) for n in range(3)]
        + [synthetic(key="export/broken.dcm", error="DICOM attribute TransferSyntaxUID does not exist")],
    )
    Path(os.environ["AWS_CONFIG_FILE"]).write_text(f"[profile imaging]\nregion = {emulator.region_name}\n")
    monkeypatch.setenv("AWS_DEFAULT_REGION", emulator.region_name)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", emulator.aws_access_key_id)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", emulator.aws_secret_access_key)
    with contextlib.ExitStack() as stack:
        if serve:
            monkeypatch.setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", stack.enter_context(emulator.serve()))
        client = stack.enter_context(emulator.client())
        yield {
            "__name__": "__docs__",
            "emulator": emulator,
            "client": client,
            "datastore_id": emulator.datastore_id,
            "image_set_id": image_set_id,
        }


@pytest.mark.parametrize("page", [p for p in _pages() if python_blocks(p)], ids=lambda p: p.name)
def test_page_examples_run(page: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    blocks = python_blocks(page)
    monkeypatch.chdir(tmp_path)  # what the examples write (an export, a download) lands here, not in the checkout
    # Only pages that build their own clients need the loopback server (it costs a shutdown).
    serve = any(_OWN_CLIENT.search(block.code) for block in blocks if block.runs)
    with page_namespace(monkeypatch, serve=serve) as namespace:
        run_blocks(blocks, namespace)


# --- the site -----------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("mkdocs") is None, reason="mkdocs is not installed (the docs extra)")
def test_the_site_builds_without_warnings(tmp_path: Path) -> None:
    """What ``nox -s docs`` checks; broken cross-references to the API fail here first."""
    proc = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
        check=False,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]


def test_the_exception_tree_matches_the_one_in_errors_py() -> None:
    """errors.md shows the tree drawn in errors.py's docstring; the docstring is the source."""
    from healthimaging_client import errors

    assert errors.__doc__ is not None
    drawn = errors.__doc__.split("::\n\n", 1)[1].split("\n\n", 1)[0]
    in_docstring = [line[4:].rstrip() for line in drawn.splitlines()]
    page = (DOCS / "errors.md").read_text(encoding="utf-8")
    in_page = page.split("```text\n", 1)[1].split("```", 1)[0].splitlines()
    assert in_page == in_docstring


def test_the_pages_say_what_the_sdk_does_about_bodies_and_installing() -> None:
    """Issue 14: migrating.md said bodies are never logged (log_bodies=True logs them); the quickstart told users
    to install from a package index that does not serve the SDK yet."""
    migrating = (DOCS / "migrating.md").read_text(encoding="utf-8")
    assert "never logs bodies" not in migrating and "log_bodies=True" in migrating
    quickstart = (DOCS / "quickstart.md").read_text(encoding="utf-8")
    install = quickstart.split("## Install", 1)[1].split("\n## ", 1)[0]
    first_block = install.split("```sh\n", 1)[1].split("```", 1)[0]
    assert "pip install ." in first_block and "pip install healthimaging-client" not in first_block
    assert "not on a package index yet" in install
