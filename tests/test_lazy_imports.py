"""``import healthimaging_client`` leaves out what only some methods need, and still names everything."""

from __future__ import annotations

import json
import subprocess
import sys

import healthimaging_client as hic

#: Imported on first use only: the extras, export, waiters for datastores and import jobs, frames, fan-out.
LAZY = [
    "botocore",
    "tenacity",
    "healthimaging_client.pixels",
    "healthimaging_client.dicom",
    "healthimaging_client.import_results",
    "healthimaging_client.testing",
    "healthimaging_client.cli",
    "healthimaging_client._export",
    "healthimaging_client._export_run",
    "healthimaging_client._download",
    "healthimaging_client._fan_out",
    "healthimaging_client._frame_methods",
    "healthimaging_client._status_waiter",
]


def _imported_after(code: str) -> set[str]:
    """The modules of ``LAZY`` a fresh interpreter has imported after running ``code``."""
    probe = f"import json, sys\n{code}\nprint(json.dumps([m for m in {LAZY!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=60)
    return set(json.loads(out.stdout))


def test_importing_the_package_imports_none_of_the_lazy_modules() -> None:
    assert _imported_after("import healthimaging_client") == set()


def test_a_lazy_public_name_imports_its_module_on_first_use() -> None:
    assert _imported_after("from healthimaging_client import ExportSummary") == {
        "healthimaging_client._export",
    }


def test_every_public_name_is_listed_and_reachable() -> None:
    assert set(hic.__all__) <= set(dir(hic))
    from healthimaging_client._export import ExportProgress, ExportSummary

    assert (hic.ExportProgress, hic.ExportSummary) == (ExportProgress, ExportSummary)
