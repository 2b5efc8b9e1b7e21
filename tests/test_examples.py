"""Every script in examples/ runs to completion against the local emulator (its default)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*.py"))


def test_there_are_examples() -> None:
    assert any(path.name == "quickstart.py" for path in EXAMPLES)


@pytest.mark.parametrize("script", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_example_runs_against_the_emulator(script: Path, tmp_path: Path) -> None:
    # Examples that write files put them in a temporary directory: here, the test's own.
    environment = {**os.environ, "TMPDIR": str(tmp_path)}
    finished = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, env=environment
    )
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert finished.stdout.strip()
    assert "Traceback" not in finished.stderr


def test_save_series_writes_a_volume_and_a_png_of_its_middle_slice(tmp_path: Path) -> None:
    import numpy as np

    script = Path(__file__).parent.parent / "examples" / "save_series.py"
    out = tmp_path / "out"
    subprocess.run([sys.executable, str(script), "--out", str(out)], check=True, capture_output=True, timeout=60)
    volume = np.load(out / "series.npy")
    assert volume.shape == (24, 256, 256) and volume.dtype == np.float32
    png = (out / "middle_slice.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
