"""The release artifacts: a wheel and an sdist that install into a fresh venv and import.

Slow (it builds, and installs the dependencies from the package index), so it runs only when
``HIC_TEST_PACKAGING=1`` is set; it needs the ``build`` package.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

import healthimaging_client

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.skipif(os.environ.get("HIC_TEST_PACKAGING") != "1", reason="set HIC_TEST_PACKAGING=1 to build"),
    pytest.mark.skipif(importlib.util.find_spec("build") is None, reason="needs the build package"),
    pytest.mark.timeout(600),
]

SMOKE = """
import importlib.resources, healthimaging_client as hic, healthimaging_client.testing
assert importlib.resources.files("healthimaging_client").joinpath("py.typed").is_file()
client = hic.Client(region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="fake")
client.close()
print(hic.__version__)
"""


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(ROOT)], check=True, capture_output=True)
    return out


@pytest.mark.parametrize("pattern", ["*.whl", "*.tar.gz"], ids=["wheel", "sdist"])
def test_artifact_installs_and_imports(dist: Path, pattern: str, tmp_path: Path) -> None:
    [artifact] = dist.glob(pattern)
    venv.create(tmp_path / "venv", with_pip=True)
    python = tmp_path / "venv" / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", str(artifact)], check=True, capture_output=True)
    shown = subprocess.run([python, "-c", SMOKE], check=True, capture_output=True, text=True, cwd=tmp_path)
    assert shown.stdout.strip() == healthimaging_client.__version__
