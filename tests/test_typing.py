"""The public API type-checks as users write it: one mypy --strict run and one pyright (strict) run.

Both checkers look at the package, ``examples/`` and ``tests/typing/`` (see its README for the
markers). A checker that is not installed skips these tests; the ``test`` extra installs both.
"""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

# A cold mypy cache takes about 20 s here; leave room on a slower machine.
pytestmark = pytest.mark.timeout(300)

ROOT = Path(__file__).resolve().parent.parent
TYPING = ROOT / "tests" / "typing"
TARGETS = [p for p in (ROOT / "healthimaging_client", ROOT / "examples", TYPING) if p.exists()]

# file, line -> message
Findings = dict[tuple[str, int], list[str]]


def _relative(path: str) -> str:
    return Path(path).resolve().relative_to(ROOT).as_posix()


def _short_type(text: str) -> str:
    """A type without module prefixes: ``typing.Sequence[a.b.C]`` -> ``Sequence[C]``."""
    return re.sub(r"\b(?:[A-Za-z_]\w*\.)+(?=[A-Za-z_])", "", text)


def _marked_lines(marker: str) -> dict[tuple[str, int], str]:
    """Lines of tests/typing that end in ``# marker`` or ``# marker: value``."""
    found: dict[tuple[str, int], str] = {}
    pattern = re.compile(rf"#\s*{re.escape(marker)}(?::\s*(.*))?$")
    for path in sorted(TYPING.glob("*.py")):
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            if match := pattern.search(line):
                found[(_relative(str(path)), number)] = (match.group(1) or "").strip()
    return found


class CheckerResult:
    def __init__(self, errors: Findings, revealed: dict[tuple[str, int], str]) -> None:
        self.errors = errors
        self.revealed = revealed


def _run(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def mypy_result() -> CheckerResult:
    if importlib.util.find_spec("mypy") is None:
        pytest.skip("mypy is not installed (pip install -e '.[test]')")
    proc = _run([sys.executable, "-m", "mypy", "--strict", "--no-error-summary", *map(str, TARGETS)])
    errors: Findings = {}
    revealed: dict[tuple[str, int], str] = {}
    for line in proc.stdout.splitlines():
        match = re.match(r"(.+?):(\d+): (error|note): (.*)", line)
        if match is None:
            continue
        key = (_relative(match.group(1)), int(match.group(2)))
        if match.group(3) == "error":
            errors.setdefault(key, []).append(match.group(4))
        elif shown := re.match(r'Revealed type is "(.*)"', match.group(4)):
            revealed[key] = _short_type(shown.group(1))
    assert proc.returncode in (0, 1), proc.stdout + proc.stderr
    return CheckerResult(errors, revealed)


@pytest.fixture(scope="module")
def pyright_result() -> CheckerResult:
    if importlib.util.find_spec("pyright") is None:
        pytest.skip("pyright is not installed (pip install -e '.[test]'; it needs node)")
    proc = _run([sys.executable, "-m", "pyright", "--outputjson", *map(str, TARGETS)])
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(f"pyright did not produce a report:\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    errors: Findings = {}
    revealed: dict[tuple[str, int], str] = {}
    for diagnostic in report["generalDiagnostics"]:
        key = (_relative(diagnostic["file"]), diagnostic["range"]["start"]["line"] + 1)
        if diagnostic["severity"] == "error":
            errors.setdefault(key, []).append(diagnostic["message"])
        elif shown := re.match(r'Type of ".*" is "(.*)"$', diagnostic["message"]):
            revealed[key] = _short_type(shown.group(1))
    return CheckerResult(errors, revealed)


@pytest.fixture(params=["mypy_result", "pyright_result"], ids=["mypy", "pyright"])
def checker(request: pytest.FixtureRequest) -> CheckerResult:
    result: CheckerResult = request.getfixturevalue(request.param)
    return result


def test_the_markers_are_in_place() -> None:
    """Guards the guards: the files must still hold lines that have to fail and types to compare."""
    assert len(_marked_lines("expect-error")) >= 10
    assert len(_marked_lines("revealed")) >= 10


def test_errors_only_where_expected(checker: CheckerResult) -> None:
    """The package, the examples and the user-style code are clean; each ``# expect-error`` line fails."""
    expected = set(_marked_lines("expect-error"))
    unexpected = {
        f"{file}:{line}": messages for (file, line), messages in checker.errors.items() if (file, line) not in expected
    }
    missing = sorted(f"{file}:{line}" for file, line in expected - set(checker.errors))
    assert unexpected == {}
    assert missing == [], "these lines should fail type-checking but pass"


def test_revealed_types(checker: CheckerResult) -> None:
    """What paginators yield and what outputs hold, as each checker sees them."""
    wrong = {
        f"{file}:{line}": (want, checker.revealed.get((file, line)))
        for (file, line), want in _marked_lines("revealed").items()
        if checker.revealed.get((file, line)) != want
    }
    assert wrong == {}, "expected vs revealed"
