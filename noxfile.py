"""Developer tasks: ``nox -s tests``, ``lint``, ``typecheck``, ``docs``, ``bench``."""

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
