"""Developer tasks: ``nox -s tests``, ``lint``, ``typecheck``, ``docs``, ``bench``, ``fuzz``, ``dicom_keywords``."""

from __future__ import annotations

import nox

nox.options.sessions = ["tests", "lint", "typecheck"]
nox.options.reuse_existing_virtualenvs = True


@nox.session
def tests(session: nox.Session) -> None:
    session.install("-e", ".[test]")
    session.run("python", "-m", "pytest", *session.posargs)


@nox.session
def lint(session: nox.Session) -> None:
    session.install("ruff")
    session.run("ruff", "check", ".")
    session.run("ruff", "format", "--check", ".")


@nox.session
def typecheck(session: nox.Session) -> None:
    session.install("-e", ".[dev]")
    session.run("mypy", "--strict", "healthimaging_client")
    session.run("pyright", "healthimaging_client")


@nox.session
def docs(session: nox.Session) -> None:
    """Build the documentation site; any warning fails the build."""
    session.install("-e", ".[docs]")
    session.run("mkdocs", "build", "--strict", env={"NO_MKDOCS_2_WARNING": "1"})


@nox.session
def bench(session: nox.Session) -> None:
    """Benchmarks against boto3, aioboto3, capo-medical-imaging and the stack's floors; writes docs/performance.md.

    ``nox -s bench -- --quick`` is a smoke run of a couple of minutes that writes nothing.
    """
    # aioboto3 pins its own botocore and boto3, older than the test extra's: the bench extra, without that one.
    session.install("-e", ".[bench]")
    session.run("python", "-m", "benchmarks", *session.posargs)


@nox.session
def fuzz(session: nox.Session) -> None:
    """The fuzz of every public method's arguments, 10,000 examples each, with a fresh seed.

    The test run gives each service operation 500 and each other method 200, derandomized.

    ``nox -s fuzz -- 20000`` runs more. Prints how the calls ended, per method.
    """
    session.install("-e", ".[test]")
    examples = session.posargs[0] if session.posargs else "10000"
    report = session.create_tmp() + "/fuzz-report.jsonl"
    env = {"FUZZ_EXAMPLES": examples, "FUZZ_HELPER_EXAMPLES": examples, "FUZZ_RANDOM": "1", "FUZZ_REPORT": report}
    session.run("python", "-c", f"open({report!r}, 'w').close()")
    session.run("python", "-m", "pytest", "tests/test_fuzz.py", "-q", "-p", "no:cacheprovider", "--timeout=0", env=env)
    session.run("python", "-c", f"print(open({report!r}).read())")


@nox.session
def dicom_keywords(session: nox.Session) -> None:
    """Regenerate healthimaging_client/_dicom_keywords.txt from the installed pydicom's data dictionary."""
    session.install("-e", ".", "pydicom>=3.0,<4")
    session.run("python", "-m", "healthimaging_client._dicom_keywords")
