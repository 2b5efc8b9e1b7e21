"""What the command line's tests share: running ``healthimaging`` in-process, against an emulator on loopback."""

from __future__ import annotations

import json
import time
from typing import Any

import attrs
import pytest
from click.testing import CliRunner, Result

from healthimaging_client.cli._app import cli
from healthimaging_client.testing import LocalHealthImaging


def invoke(*args: str, env: dict[str, str] | None = None, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, input=input, prog_name="healthimaging")


def clear_cli_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's HEALTHIMAGING_OUTPUT or datastore must not change what the tests see."""
    for name in ("HEALTHIMAGING_OUTPUT", "HEALTHIMAGING_DATASTORE_ID"):
        monkeypatch.delenv(name, raising=False)


@attrs.frozen
class Served:
    """An emulator served on loopback, and a way to run the command line on it as a user points it at AWS."""

    emulator: LocalHealthImaging
    endpoint_url: str

    @property
    def datastore_id(self) -> str:
        return self.emulator.datastore_id

    def env(self) -> dict[str, str]:
        return {
            "AWS_ACCESS_KEY_ID": self.emulator.aws_access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.emulator.aws_secret_access_key,
            "AWS_DEFAULT_REGION": self.emulator.region_name,
            "HEALTHIMAGING_DATASTORE_ID": self.datastore_id,
        }

    def run(self, *args: str, input: str | None = None) -> Result:
        return invoke("--endpoint-url", self.endpoint_url, *args, env=self.env(), input=input)

    def json(self, *args: str) -> Any:
        result = self.run(*args, "--output", "json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@attrs.define
class Clock:
    """An emulator's clock: real time until a test moves it on."""

    now: float | None = None

    def __call__(self) -> float:
        return time.time() if self.now is None else self.now
