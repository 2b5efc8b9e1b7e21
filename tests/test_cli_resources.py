"""``healthimaging datastores``, ``import`` and ``tags`` against the emulator: outputs, writes, waits, exit codes.

As in test_cli.py, the emulator is served on loopback and the command line
pointed at it with ``--endpoint-url``; ``--local`` runs and one real process
are checked too.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import respx

from healthimaging_client.cli import _local
from healthimaging_client.cli._exit import ExitCode
from healthimaging_client.testing import LocalHealthImaging, SyntheticInstance
from tests.cli_support import Clock, Served, clear_cli_environment, invoke

# Synthetic values only.
PATIENT = {"PatientID": "PAT-IMPORT-1", "PatientName": "DOE^IMPORT"}
INPUT = "s3://cli-test-input/batch-1/"
EMPTY_INPUT = "s3://cli-test-input/nothing-here/"
OUTPUT = "s3://cli-test-output/"
ROLE = "arn:aws:iam::123456789012:role/CliTestImportRole"
REJECTED_FILE = "1.2.826.0.1.3680043.2.1143.9.dcm"  # named by its UID, as files often are
REJECTION = "The file is not DICOM Part 10 (no DICM prefix)"


@pytest.fixture(autouse=True)
def _no_cli_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cli_environment(monkeypatch)


@attrs.frozen
class Resources(Served):
    """The served emulator with files staged for imports, and ways to see what the commands did."""

    def start(self, *options: str) -> Any:
        return self.json(
            "import", "start", "--input-s3-uri", INPUT, "--output-s3-uri", OUTPUT, "--role-arn", ROLE, *options
        )

    def datastores(self) -> dict[str, str]:
        with self.emulator.client() as client:
            return {d.datastore_id: str(d.datastore_status) for d in client.iter_datastores()}

    def arn(self) -> str:
        with self.emulator.client() as client:
            arn = client.get_datastore(self.datastore_id).datastore_properties.datastore_arn
        assert arn is not None
        return arn

    def tags(self, arn: str | None = None) -> dict[str, str]:
        with self.emulator.client() as client:
            return dict(client.list_tags_for_resource(arn or self.arn()).tags)

    def finished_job(self, directory: Path) -> Path:
        """Run an import of the staged files to its end, and download its output into ``directory``."""
        job_id = self.start("--wait", "--poll-interval", "0.01")["job_id"]
        return self.emulator.download_import_output(job_id, directory)


@contextlib.contextmanager
def serving(**options: Any) -> Iterator[Resources]:
    """An emulator with two image sets and three files to import (one of them not DICOM), on loopback."""
    emulator = LocalHealthImaging(seed=5, image_sets=2, **options)
    files = [SyntheticInstance(key=f"ct/{n}.dcm", patient=PATIENT) for n in (1, 2)]
    emulator.add_dicom_files(INPUT, [*files, SyntheticInstance(key=REJECTED_FILE, error=REJECTION)])
    with emulator.serve() as endpoint_url:
        yield Resources(emulator, endpoint_url)


@pytest.fixture
def served() -> Iterator[Resources]:
    with serving() as resources:
        yield resources


# --- datastores ------------------------------------------------------------------------------------


def test_datastores_list_every_datastore_and_filter_by_status() -> None:
    with serving(datastore_delay=3600) as served:
        _list_every_datastore_and_filter_by_status(served)


def _list_every_datastore_and_filter_by_status(served: Resources) -> None:
    with served.emulator.client() as client:
        creating = client.create_datastore(datastore_name="slow").datastore_id
    everything = served.json("datastores", "list", "--page-size", "1")
    assert {d["datastore_id"]: d["datastore_status"] for d in everything["datastores"]} == {
        served.datastore_id: "ACTIVE",
        creating: "CREATING",
    }
    assert everything["next_token"] is None
    active = served.json("datastores", "list", "--status", "active")
    assert [d["datastore_id"] for d in active["datastores"]] == [served.datastore_id]


def test_datastores_list_table_and_text(served: Served) -> None:
    table, text = served.run("datastores", "list"), served.run("datastores", "list", "-o", "text")
    assert table.exit_code == text.exit_code == 0
    assert table.stdout.split("\n")[0].split() == ["DATASTORE", "NAME", "STATUS", "CREATED", "UPDATED"]
    assert text.stdout.split("\t")[:3] == [served.datastore_id, "local-datastore", "ACTIVE"]


def test_datastores_get_the_named_datastore_or_the_given_one(served: Resources) -> None:
    shown = served.json("datastores", "get")
    assert (shown["datastore_id"], shown["datastore_status"], shown["datastore_arn"]) == (
        served.datastore_id,
        "ACTIVE",
        served.arn(),
    )
    assert served.json("datastores", "get", served.datastore_id) == shown
    table = served.run("datastores", "get")
    assert f"arn                      {served.arn()}" in table.stdout


def test_datastores_create_and_wait(served: Resources) -> None:
    created = served.json("datastores", "create", "research", "--tag", "team=imaging", "--tag", "env=", "--wait")
    assert created["datastore_status"] == "CREATING"
    assert created["settled"]["datastore_status"] == "ACTIVE"
    assert created["settled"]["datastore_name"] == "research"
    assert served.datastores()[created["datastore_id"]] == "ACTIVE"
    assert served.tags(created["settled"]["datastore_arn"]) == {"team": "imaging", "env": ""}


def test_datastores_create_with_a_client_token_makes_one_datastore(served: Resources) -> None:
    first = served.json("datastores", "create", "once", "--client-token", "deploy-2024-06-01")
    again = served.json("datastores", "create", "once", "--client-token", "deploy-2024-06-01")
    assert first["datastore_id"] == again["datastore_id"]
    assert len(served.datastores()) == 2


def test_datastores_create_dry_run_sends_nothing(served: Resources) -> None:
    plan = served.json(
        "datastores",
        "create",
        "archive",
        "--lossless-storage-format",
        "jpeg_2000_lossless",
        "--tag",
        "a=b",
        "--dry-run",
    )
    assert plan == {
        "dry_run": True,
        "operation": "CreateDatastore",
        "datastore_name": "archive",
        "tags": {"a": "b"},
        "lossless_storage_format": "JPEG_2000_LOSSLESS",
        "kms_key_arn": None,
        "lambda_authorizer_arn": None,
        "client_token": None,
    }
    table = served.run("datastores", "create", "archive", "--tag", "a=b", "--dry-run")
    assert "CreateDatastore would be called with" in table.stdout and "tags                     a=b" in table.stdout
    assert len(served.datastores()) == 1


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["bad name!"], "datastore_name"),
        (["ok", "--tag", "novalue"], "KEY=VALUE"),
        (["ok", "--tag", "aws:x=1"], "tags"),
    ],
)
def test_bad_creates_are_usage_errors_and_send_nothing(served: Resources, options: list[str], message: str) -> None:
    result = served.run("datastores", "create", *options)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.stderr
    assert len(served.datastores()) == 1


def test_datastores_delete_needs_yes_off_a_terminal(served: Resources) -> None:
    with served.emulator.client() as client:
        empty = client.create_datastore(datastore_name="scratch").datastore_id
    refused = served.run("datastores", "delete", empty)
    assert refused.exit_code == ExitCode.USAGE and "add --yes" in refused.stderr
    assert served.datastores()[empty] == "ACTIVE"
    deleted = served.json("datastores", "delete", empty, "--yes", "--wait", "--poll-interval", "0.01")
    assert (deleted["datastore_status"], deleted["settled"]["datastore_status"]) == ("DELETING", "DELETED")
    assert served.datastores()[empty] == "DELETED"


def test_datastores_delete_dry_run(served: Resources) -> None:
    plan = served.json("datastores", "delete", served.datastore_id, "--dry-run")
    assert plan == {"dry_run": True, "operation": "DeleteDatastore", "datastore_id": served.datastore_id}
    assert served.datastores()[served.datastore_id] == "ACTIVE"


def test_deleting_a_datastore_that_holds_image_sets_exits_5(served: Resources) -> None:
    result = served.run("datastores", "delete", served.datastore_id, "--yes")
    assert result.exit_code == ExitCode.CONFLICT and "ConflictException" in result.stderr
    assert served.datastores()[served.datastore_id] == "ACTIVE"


def test_an_unknown_datastore_exits_4(served: Resources) -> None:
    assert served.run("datastores", "get", "0" * 32).exit_code == ExitCode.NOT_FOUND
    assert served.run("datastores", "delete", "0" * 32, "--yes").exit_code == ExitCode.NOT_FOUND


def test_a_failed_datastore_creation_exits_9() -> None:
    endpoint, datastore_id = "https://healthimaging.test", "c" * 32
    failed = {
        "datastoreProperties": {"datastoreId": datastore_id, "datastoreName": "x", "datastoreStatus": "CREATE_FAILED"}
    }
    with respx.mock(base_url=endpoint, assert_all_called=True) as mock:
        mock.post("/datastore").mock(
            return_value=httpx.Response(200, json={"datastoreId": datastore_id, "datastoreStatus": "CREATING"})
        )
        mock.get(f"/datastore/{datastore_id}").mock(return_value=httpx.Response(200, json=failed))
        result = invoke(
            "datastores", "create", "x", "--wait", "--endpoint-url", endpoint, "--region", "us-east-1",
            env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake"},
        )  # fmt: skip
    assert result.exit_code == ExitCode.WRITE_FAILED, result.output
    assert "CREATE_FAILED" in result.stderr


# --- import jobs -------------------------------------------------------------------------------------


def test_import_start_and_wait(served: Resources) -> None:
    started = served.start("--job-name", "batch-1", "--wait", "--poll-interval", "0.01")
    assert started["job_status"] == "SUBMITTED"
    settled = started["settled"]
    assert (settled["job_id"], settled["job_status"], settled["job_name"]) == (
        started["job_id"],
        "COMPLETED",
        "batch-1",
    )
    with served.emulator.client() as client:
        found = list(client.iter_image_sets(served.datastore_id))
    assert len(found) == 3


def test_import_start_says_where_the_results_are(served: Resources) -> None:
    result = served.run(
        "import", "start", "--input-s3-uri", INPUT, "--output-s3-uri", OUTPUT, "--role-arn", ROLE, "--wait"
    )
    assert result.exit_code == 0, result.output
    job_id = result.stdout.split()[1]
    assert "status     COMPLETED" in result.stdout
    folder = f"{OUTPUT}{served.datastore_id}-DicomImport-{job_id}/"
    assert f"aws s3 cp --recursive {folder} DIR; then healthimaging import results DIR" in result.stderr


def test_import_start_dry_run_sends_nothing(served: Resources) -> None:
    plan = served.start("--dry-run", "--job-name", "batch-1")
    assert plan == {
        "dry_run": True,
        "operation": "StartDICOMImportJob",
        "datastore_id": served.datastore_id,
        "data_access_role_arn": ROLE,
        "input_s3_uri": INPUT,
        "output_s3_uri": OUTPUT,
        "job_name": "batch-1",
        "input_owner_account_id": None,
        "client_token": None,
    }
    assert served.json("import", "list")["import_jobs"] == []


def test_a_failed_import_job_exits_12(served: Resources) -> None:
    result = served.run(
        "import", "start", "--input-s3-uri", EMPTY_INPUT, "--output-s3-uri", OUTPUT, "--role-arn", ROLE, "--wait"
    )
    assert result.exit_code == ExitCode.IMPORT_FAILED, result.output
    assert "FAILED: No DICOM files were found" in result.stderr
    [job] = served.json("import", "list")["import_jobs"]
    assert served.run("import", "wait", job["job_id"]).exit_code == ExitCode.IMPORT_FAILED


def test_import_wait_and_its_timeout() -> None:
    clock = Clock()
    with serving(import_delay=3600, clock=clock) as served:
        job_id = served.start()["job_id"]
        timed_out = served.run("import", "wait", job_id, "--timeout", "0.1", "--poll-interval", "0.05")
        assert timed_out.exit_code == ExitCode.WAIT_TIMED_OUT, timed_out.output
        assert "still SUBMITTED" in timed_out.stderr
        clock.now = time.time() + 2 * 3600
        assert served.json("import", "wait", job_id, "--poll-interval", "0.01")["job_status"] == "COMPLETED"


def test_import_get_and_list(served: Resources) -> None:
    first = served.start("--job-name", "first", "--wait", "--poll-interval", "0.01")["job_id"]
    second = served.json(
        "import", "start", "--input-s3-uri", EMPTY_INPUT, "--output-s3-uri", OUTPUT, "--role-arn", ROLE
    )["job_id"]
    shown = served.json("import", "get", first)
    assert (shown["job_id"], shown["job_name"], shown["input_s3_uri"], shown["output_s3_uri"]) == (
        first,
        "first",
        INPUT,
        OUTPUT,
    )
    listed = served.json("import", "list")["import_jobs"]
    assert {j["job_id"] for j in listed} == {first, second}
    assert [j["job_id"] for j in served.json("import", "list", "--status", "COMPLETED")["import_jobs"]] == [first]
    table = served.run("import", "list")
    assert table.stdout.split("\n")[0].split() == ["JOB", "NAME", "STATUS", "SUBMITTED", "ENDED", "MESSAGE"]


def test_an_unknown_import_job_exits_4(served: Resources) -> None:
    result = served.run("import", "get", "0" * 32)
    assert result.exit_code == ExitCode.NOT_FOUND and "ResourceNotFoundException" in result.stderr


# --- import results --------------------------------------------------------------------------------


def test_import_results_lists_the_rejected_files_and_why(served: Resources, tmp_path: Path) -> None:
    served.finished_job(tmp_path)
    table = invoke("import", "results", str(tmp_path))
    assert table.exit_code == 0, table.output
    assert "files scanned            3" in table.stdout
    assert "rejected (input errors)  1" in table.stdout
    assert "failed   ***              ValidationException  ***" in table.stdout
    assert REJECTED_FILE not in table.stdout and REJECTION not in table.stdout
    assert "--show-phi" in table.stderr
    shown = invoke("import", "results", str(tmp_path), "--show-phi", "-o", "text")
    assert shown.stdout == f"failed\tbatch-1/{REJECTED_FILE}\t\tValidationException\t{REJECTION}\n"


def test_import_results_as_json(served: Resources, tmp_path: Path) -> None:
    folder = served.finished_job(tmp_path)
    found = json.loads(invoke("import", "results", str(folder), "-o", "json").stdout)
    summary = found["summary"]
    assert (summary["number_of_scanned_files"], summary["number_of_imported_files"]) == (3, 2)
    [image_set] = summary["image_sets_summary"]
    assert image_set["number_of_matched_sop_instances"] == 2
    assert found["failed"] == [
        {"input_file": f"batch-1/{REJECTED_FILE}", "exception_type": "ValidationException", "message": REJECTION}
    ]
    assert found["warned"] == [] and found["imported"] is None
    everything = json.loads(invoke("import", "results", str(folder), "-o", "json", "--imported").stdout)
    assert sorted(f["input_file"] for f in everything["imported"]) == ["batch-1/ct/1.dcm", "batch-1/ct/2.dcm"]


def test_import_results_lists_imported_files_and_warnings_when_asked(served: Resources, tmp_path: Path) -> None:
    folder = served.finished_job(tmp_path)
    image_set_id = json.loads((folder / "SUCCESS" / "success.ndjson").read_text().splitlines()[0])["importResponse"][
        "imageSetId"
    ]
    warning = {
        "inputFile": "batch-1/ct/2.dcm",
        "importResponse": {
            "imageSetId": image_set_id,
            "warnings": [{"warning_reason_code": 7, "type": "ATTRIBUTE_TRUNCATED", "message": "DOE^IMPORT was cut"}],
        },
    }
    (folder / "WARNING").mkdir()
    (folder / "WARNING" / "warning.ndjson").write_text(json.dumps(warning) + "\n")
    lines = invoke("import", "results", str(folder), "--imported", "-o", "text").stdout.splitlines()
    assert [line.split("\t")[0] for line in lines] == ["failed", "warning", "imported", "imported"]
    assert lines[1] == f"warning\t***\t{image_set_id}\tATTRIBUTE_TRUNCATED\t***"
    assert all(line.split("\t")[1] == "***" for line in lines)


def test_import_results_check_exits_13_when_files_were_rejected(served: Resources, tmp_path: Path) -> None:
    folder = served.finished_job(tmp_path)
    result = invoke("import", "results", str(folder), "--check")
    assert result.exit_code == ExitCode.FILES_REJECTED
    assert "1 of 3 files were not imported" in result.stderr
    assert "ValidationException" in result.stdout


def test_import_results_chooses_a_job_by_its_id(served: Resources, tmp_path: Path) -> None:
    first = served.finished_job(tmp_path).name.rsplit("-", 1)[1]
    served.finished_job(tmp_path)
    several = invoke("import", "results", str(tmp_path))
    assert several.exit_code == ExitCode.ERROR and "found 2 (pass job_id" in several.stderr
    chosen = json.loads(invoke("import", "results", str(tmp_path), "--job-id", first, "-o", "json").stdout)
    assert chosen["summary"]["job_id"] == first


def test_import_results_of_a_folder_without_results(tmp_path: Path) -> None:
    empty = invoke("import", "results", str(tmp_path))
    assert empty.exit_code == ExitCode.ERROR and "job-output-manifest.json" in empty.stderr
    missing = invoke("import", "results", str(tmp_path / "nowhere"))
    assert missing.exit_code == ExitCode.USAGE


def test_import_results_of_a_broken_manifest_names_the_line_not_the_values(served: Resources, tmp_path: Path) -> None:
    folder = served.finished_job(tmp_path)
    (folder / "FAILURE" / "failure.ndjson").write_text('{"inputFile": "DOE^IMPORT.dcm"}\n')
    result = invoke("import", "results", str(folder))
    assert result.exit_code == ExitCode.ERROR
    assert "failure.ndjson line 1" in result.stderr and "DOE^IMPORT" not in result.stderr


# --- tags --------------------------------------------------------------------------------------------


def test_tags_of_the_datastore(served: Resources) -> None:
    added = served.json("tags", "add", "team=imaging", "env=dev")
    assert added == {"resource_arn": served.arn(), "tags": {"team": "imaging", "env": "dev"}}
    listed = served.json("tags", "list")
    assert listed == {"resource_arn": served.arn(), "tags": {"team": "imaging", "env": "dev"}}
    assert served.run("tags", "list").stdout.splitlines()[2:] == ["env   dev", "team  imaging"]
    removed = served.json("tags", "remove", "env")
    assert removed == {"resource_arn": served.arn(), "tag_keys": ["env"]}
    assert served.tags() == {"team": "imaging"}


def test_tags_of_an_image_set_and_by_arn(served: Resources) -> None:
    with served.emulator.client() as client:
        image_set_id = next(iter(client.iter_image_sets(served.datastore_id))).image_set_id
    image_set_arn = f"{served.arn()}/imageset/{image_set_id}"
    assert served.run("tags", "add", "reviewed=yes", "--image-set", image_set_id).exit_code == 0
    assert served.tags(image_set_arn) == {"reviewed": "yes"}
    assert served.json("tags", "list", "--arn", image_set_arn)["tags"] == {"reviewed": "yes"}
    assert served.tags() == {}


def test_tag_dry_runs_send_nothing(served: Resources) -> None:
    plan = served.json("tags", "add", "team=imaging", "--dry-run")
    assert plan == {
        "dry_run": True,
        "operation": "TagResource",
        "resource_arn": served.arn(),
        "tags": {"team": "imaging"},
    }
    served.json("tags", "add", "team=imaging")
    plan = served.json("tags", "remove", "team", "--dry-run")
    assert plan["operation"] == "UntagResource" and plan["tag_keys"] == ["team"]
    assert served.tags() == {"team": "imaging"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add", "novalue"], "KEY=VALUE"),
        (["add", "aws:reserved=1"], "tags"),
        (["add"], "Missing argument"),
        (["list", "--arn", "arn:aws:s3:::bucket"], "resource_arn"),
        (["list", "--arn", "arn:x", "--image-set", "a" * 32], "not both"),
    ],
)
def test_bad_tag_commands_are_usage_errors(served: Resources, args: list[str], message: str) -> None:
    result = served.run("tags", *args)
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.stderr


# --- --local, and a real process ----------------------------------------------------------------------

LOCAL_START = (
    "import", "start", "--input-s3-uri", _local.IMPORT_INPUT, "--output-s3-uri", _local.IMPORT_OUTPUT,
    "--role-arn", _local.IMPORT_ROLE,
)  # fmt: skip


def test_local_imports_the_staged_files() -> None:
    result = invoke("--local", *LOCAL_START, "--wait", "--poll-interval", "0.01", "-o", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["settled"]["job_status"] == "COMPLETED"


def test_global_options_go_on_the_group_too() -> None:
    before = invoke("datastores", "--local", "list", "-o", "json")
    after = invoke("--local", "datastores", "list", "--output", "json")
    assert before.exit_code == after.exit_code == 0
    for result in (before, after):
        assert [d["datastore_name"] for d in json.loads(result.stdout)["datastores"]] == ["local-datastore"]


def test_a_real_process_imports_and_lists_the_job(tmp_path: Path) -> None:
    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "healthimaging_client", "--local", *args, "-o", "json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    started = run(*LOCAL_START, "--wait", "--poll-interval", "0.01")
    assert started.returncode == 0, started.stderr
    assert json.loads(started.stdout)["settled"]["job_status"] == "COMPLETED"
    assert started.stderr == ""
    failed = run("import", "get", "0" * 32)
    assert failed.returncode == ExitCode.NOT_FOUND and "ResourceNotFoundException" in failed.stderr
