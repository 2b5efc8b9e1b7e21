"""``healthimaging``: every command against the emulator, through click's test runner and as a real process.

The emulator is served on loopback and the command line is pointed at it with
``--endpoint-url`` and the emulator's test credentials in the environment, as a
user would point it at AWS; ``--local`` runs are checked too. Exit codes are
asserted for each kind of failure.
"""

from __future__ import annotations

import gzip
import importlib.metadata
import json
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client.cli._exit import ExitCode
from healthimaging_client.testing import LocalHealthImaging
from tests.cli_support import Served, clear_cli_environment, invoke

# Synthetic values only.
PATIENT = {"PatientID": "PAT-CLI-1", "PatientName": "DOE^JOHN", "PatientBirthDate": "19700101", "PatientSex": "M"}
STUDY = {"StudyDescription": "KNEE", "StudyDate": "20240115", "StudyTime": "101500", "AccessionNumber": "ACC-CLI-1"}
SERIES_A = "2.25.1001"
SERIES_B = "2.25.1002"
PHI_VALUES = ("PAT-CLI-1", "DOE^JOHN", "ACC-CLI-1", SERIES_A)


@attrs.frozen
class Local(Served):
    """The served emulator, and one known image set in it."""

    image_set_id: str

    def versions(self, image_set_id: str | None = None) -> list[hic.ImageSetProperties]:
        with self.emulator.client() as client:
            return list(client.iter_image_set_versions(self.datastore_id, image_set_id or self.image_set_id))

    def document(self, image_set_id: str | None = None) -> dict[str, Any]:
        with self.emulator.client() as client:
            return client.get_image_set_metadata(self.datastore_id, image_set_id or self.image_set_id).to_dict()


@pytest.fixture(autouse=True)
def _no_cli_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    clear_cli_environment(monkeypatch)


@pytest.fixture
def local() -> Iterator[Local]:
    emulator = LocalHealthImaging(seed=11, image_sets=6)
    image_set_id = emulator.add_image_set(
        patient=PATIENT,
        study=STUDY,
        series=[
            {"Modality": "CT", "SeriesInstanceUID": SERIES_A},
            {"Modality": "MR", "SeriesInstanceUID": SERIES_B},
        ],
        instances=2,
        frames=2,
    )
    with emulator.serve() as endpoint_url:
        yield Local(emulator, endpoint_url, image_set_id)


def _sop_uids(document: dict[str, Any], series_uid: str) -> list[str]:
    return list(document["Study"]["Series"][series_uid]["Instances"])


# --- search ------------------------------------------------------------------------------------


def test_search_pages_through_every_image_set(local: Local) -> None:
    found = local.json("search", "--page-size", "2")
    with local.emulator.client() as client:
        expected = [s.image_set_id for s in client.iter_image_sets(local.datastore_id)]
    assert [s["image_set_id"] for s in found["image_sets"]] == expected
    assert len(expected) == 7
    assert found["next_token"] is None


def test_search_json_holds_the_models_fields(local: Local) -> None:
    [found] = local.json("search", "--patient-id", "PAT-CLI-1")["image_sets"]
    assert found["image_set_id"] == local.image_set_id
    assert found["version"] == 1
    assert found["is_primary"] is True
    assert found["dicom_tags"]["dicom_patient_name"] == "DOE^JOHN"
    assert found["dicom_tags"]["dicom_accession_number"] == "ACC-CLI-1"
    assert found["created_at"].endswith("+00:00")


@pytest.mark.parametrize(
    ("options", "matches"),
    [
        (["--accession-number", "ACC-CLI-1"], True),
        (["--series-uid", SERIES_B], True),
        (["--study-date", "20240115"], True),
        (["--study-date", "20240101..20240131", "--patient-id", "PAT-CLI-1"], True),
        (["--study-date", "2024-01-16.."], False),
        (["--patient-id", "PAT-CLI-1", "--not-primary"], False),
        (["--patient-id", "PAT-CLI-1", "--primary"], True),
    ],
)
def test_search_filters(local: Local, options: list[str], matches: bool) -> None:
    found = [s["image_set_id"] for s in local.json("search", *options)["image_sets"]]
    assert (local.image_set_id in found) is matches


def test_search_by_creation_time_and_sorted(local: Local) -> None:
    found = local.json(
        "search", "--created-at", "2024-01-01T02:30:00Z..2024-01-01T05:30:00Z", "--sort", "created-at:asc"
    )
    times = [s["created_at"] for s in found["image_sets"]]
    assert times == ["2024-01-01T03:00:00+00:00", "2024-01-01T04:00:00+00:00", "2024-01-01T05:00:00+00:00"]


def test_max_items_stops_and_the_token_resumes_after_them(local: Local) -> None:
    first = local.json("search", "--max-items", "3", "--page-size", "2")
    assert len(first["image_sets"]) == 3 and first["next_token"]
    rest = local.json("search", "--starting-token", first["next_token"], "--page-size", "2")
    everything = local.json("search")
    ids = [s["image_set_id"] for s in first["image_sets"] + rest["image_sets"]]
    assert ids == [s["image_set_id"] for s in everything["image_sets"]]


def test_no_paginate_prints_one_page(local: Local) -> None:
    page = local.json("search", "--no-paginate", "--page-size", "2")
    assert len(page["image_sets"]) == 2 and page["next_token"]


def test_search_table_and_text_hide_patient_values_unless_asked(local: Local) -> None:
    table = local.run("search")
    text = local.run("search", "-o", "text")
    shown = local.run("search", "--show-phi")
    assert table.exit_code == text.exit_code == shown.exit_code == 0
    assert local.image_set_id in table.stdout and "IMAGE SET" in table.stdout
    for value in PHI_VALUES[:3]:
        assert value not in table.stdout + text.stdout
        assert value in shown.stdout
    assert "--show-phi" in table.stderr
    lines = text.stdout.splitlines()
    assert len(lines) == 7 and all(len(line.split("\t")) == 9 for line in lines)
    assert "\t***\t" in lines[0]


def test_search_says_how_to_resume_on_stderr(local: Local) -> None:
    result = local.run("search", "--max-items", "2")
    assert result.exit_code == 0
    assert "--starting-token hic1:" in result.stderr
    assert "hic1:" not in result.stdout


def test_an_empty_result_says_so_on_stderr(local: Local) -> None:
    result = local.run("search", "--patient-id", "NOBODY")
    assert result.exit_code == 0
    assert result.stdout.startswith("IMAGE SET") and len(result.stdout.splitlines()) == 2
    assert result.stderr == "no image sets found\n"


def test_more_than_two_filters_is_a_usage_error(local: Local) -> None:
    result = local.run("search", "--patient-id", "P", "--study-id", "S", "--primary")
    assert result.exit_code == ExitCode.USAGE
    assert "at most two filters" in result.stderr


@pytest.mark.parametrize(
    "options", [["--study-date", "2024-02-30"], ["--updated-at", "soon"], ["--sort", "modality"], ["--max-items", "0"]]
)
def test_bad_search_options_are_usage_errors(local: Local, options: list[str]) -> None:
    result = local.run("search", *options)
    assert result.exit_code == ExitCode.USAGE
    assert "Invalid value" in result.stderr


# --- metadata ----------------------------------------------------------------------------------


def test_metadata_json_is_the_document(local: Local) -> None:
    assert local.json("metadata", local.image_set_id) == local.document()


def test_metadata_tree_masks_patient_values_unless_asked(local: Local) -> None:
    masked = local.run("metadata", local.image_set_id, "--attributes")
    shown = local.run("metadata", local.image_set_id, "--attributes", "--show-phi")
    assert masked.exit_code == shown.exit_code == 0
    assert f"image set {local.image_set_id}" in masked.stdout
    assert "(2 series, 4 instances)" in masked.stdout
    assert "└── instance 2  ***  1.2.840.10008.1.2.4.202  (2 frames)" in masked.stdout
    assert "PatientName = ***" in masked.stdout
    for value in PHI_VALUES:
        assert value not in masked.stdout
        assert value in shown.stdout
    assert "PatientName = DOE^JOHN" in shown.stdout


def test_metadata_text_has_one_line_per_frame(local: Local) -> None:
    result = local.run("metadata", local.image_set_id, "-o", "text", "--show-phi")
    document = local.document()
    frames = [
        (series_uid, sop, frame["ID"])
        for series_uid, series in document["Study"]["Series"].items()
        for sop, instance in series["Instances"].items()
        for frame in instance["ImageFrames"]
    ]
    assert [tuple(line.split("\t")[i] for i in (0, 1, 3)) for line in result.stdout.splitlines()] == frames
    assert len(frames) == 8


def test_metadata_of_an_earlier_version(local: Local) -> None:
    assert local.run("update", local.image_set_id, "--set", "Patient.PatientName=DOE^JANE", "--wait").exit_code == 0
    first = local.json("metadata", local.image_set_id, "--version", "1")
    assert first["Patient"]["DICOM"]["PatientName"] == "DOE^JOHN"
    assert local.json("metadata", local.image_set_id)["Patient"]["DICOM"]["PatientName"] == "DOE^JANE"


def test_metadata_download_writes_the_document(local: Local, tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    saved = local.json("metadata", local.image_set_id, "--download", str(target))
    assert json.loads(target.read_text()) == local.document()
    assert saved == {"path": str(target), "bytes": target.stat().st_size}
    assert not list(tmp_path.glob("*.part"))


def test_metadata_download_keeps_gzip_on_request(local: Local, tmp_path: Path) -> None:
    target = tmp_path / "metadata.json.gz"
    assert local.run("metadata", local.image_set_id, "--download", str(target), "--gzip").exit_code == 0
    assert json.loads(gzip.decompress(target.read_bytes())) == local.document()


def test_metadata_download_does_not_replace_a_file_unless_asked(local: Local, tmp_path: Path) -> None:
    target = tmp_path / "metadata.json"
    target.write_text("mine")
    refused = local.run("metadata", local.image_set_id, "--download", str(target))
    assert refused.exit_code == ExitCode.USAGE and "--overwrite" in refused.stderr
    assert target.read_text() == "mine"
    assert local.run("metadata", local.image_set_id, "--download", str(target), "--overwrite").exit_code == 0
    assert json.loads(target.read_text()) == local.document()


def test_gzip_without_download_is_a_usage_error(local: Local) -> None:
    assert local.run("metadata", local.image_set_id, "--gzip").exit_code == ExitCode.USAGE


# --- versions, update, revert ------------------------------------------------------------------


def test_update_sets_and_waits(local: Local) -> None:
    result = local.json("update", local.image_set_id, "--set", "Patient.PatientName=DOE^JANE", "--wait")
    assert (result["image_set_id"], result["latest_version_id"]) == (local.image_set_id, "2")
    assert result["image_set_state"] == "LOCKED"
    assert (result["settled"]["image_set_state"], result["settled"]["image_set_workflow_status"]) == (
        "ACTIVE",
        "UPDATED",
    )
    assert local.document()["Patient"]["DICOM"]["PatientName"] == "DOE^JANE"


def test_update_at_the_series_level_with_a_json_value(local: Local) -> None:
    result = local.run("update", local.image_set_id, "--set", f"Series[{SERIES_A}].SeriesNumber:=7", "--yes")
    assert result.exit_code == 0, result.output
    assert local.document()["Study"]["Series"][SERIES_A]["DICOM"]["SeriesNumber"] == 7


def test_update_removes_an_attribute_by_its_tag(local: Local) -> None:
    assert local.run("update", local.image_set_id, "--remove", "Study.StudyDescription").exit_code == 0
    assert "StudyDescription" not in local.document()["Study"]["DICOM"]


def test_update_removes_a_series(local: Local) -> None:
    assert local.run("update", local.image_set_id, "--remove", f"Series[{SERIES_B}]", "--force").exit_code == 0
    assert list(local.document()["Study"]["Series"]) == [SERIES_A]


def test_update_sets_a_private_tag_of_an_instance_with_its_vr(local: Local) -> None:
    sop = _sop_uids(local.document(), SERIES_A)[0]
    expression = f"Series[{SERIES_A}].Instances[{sop}].001910F9:DS=97"
    result = local.run("update", local.image_set_id, "--set", expression, "--force")
    assert result.exit_code == 0, result.output
    instance = local.document()["Study"]["Series"][SERIES_A]["Instances"][sop]
    assert (instance["DICOM"]["001910F9"], instance["DICOMVRs"]["001910F9"]) == ("97", "DS")


def test_update_dry_run_prints_the_exact_documents_and_sends_nothing(local: Local) -> None:
    plan = local.json(
        "update",
        local.image_set_id,
        "--set",
        "Patient.PatientName=DOE^JANE",
        "--remove",
        "Study.StudyDescription",
        "--dry-run",
    )
    assert plan == {
        "dry_run": True,
        "operation": "UpdateImageSetMetadata",
        "datastore_id": local.datastore_id,
        "image_set_id": local.image_set_id,
        "latest_version_id": "1",
        "force": False,
        "include_study_image_sets": False,
        "updatable_attributes": {"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": "DOE^JANE"}}},
        "removable_attributes": {"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": "KNEE"}}},
    }
    assert len(local.versions()) == 1


def test_update_dry_run_as_a_table_masks_values_unless_asked(local: Local) -> None:
    args = ("update", local.image_set_id, "--set", "Patient.PatientName=DOE^JANE", "--dry-run")
    masked, shown = local.run(*args), local.run(*args, "--show-phi")
    assert '"PatientName": "***"' in masked.stdout and "DOE^JANE" not in masked.stdout
    assert '"PatientName": "DOE^JANE"' in shown.stdout
    assert "nothing sent" in masked.stdout
    assert len(local.versions()) == 1


def test_update_from_an_aws_cli_file(local: Local, tmp_path: Path) -> None:
    import base64

    document = {"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": "ANKLE"}}}
    blob = base64.b64encode(json.dumps(document).encode()).decode()
    path = tmp_path / "updates.json"
    path.write_text(json.dumps({"DICOMUpdates": {"updatableAttributes": blob}}))
    result = local.run("update", local.image_set_id, "--file", str(path))
    assert result.exit_code == 0, result.output
    assert local.document()["Study"]["DICOM"]["StudyDescription"] == "ANKLE"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ([], "nothing to update"),
        (["--set", "Patient.PatientName=X", "--file", "-"], "not both"),
        (["--set", "PatientName=X"], "start with a level"),
        (["--remove", "Study.NoSuchAttribute"], "is not a DICOM keyword"),  # the builder checks the dictionary
        (["--remove", "Study.StudyComments"], "not in the current metadata"),
    ],
)
def test_bad_updates_are_usage_errors_and_send_nothing(local: Local, options: list[str], message: str) -> None:
    result = local.run("update", local.image_set_id, *options, input="{}")
    assert result.exit_code == ExitCode.USAGE, result.output
    assert message in result.stderr
    assert len(local.versions()) == 1


def test_update_of_a_stale_version_is_a_conflict(local: Local) -> None:
    assert local.run("update", local.image_set_id, "--set", "Patient.PatientName=A", "--wait").exit_code == 0
    result = local.run("update", local.image_set_id, "--set", "Patient.PatientName=B", "--latest-version", "1")
    assert result.exit_code == ExitCode.CONFLICT
    assert "ConflictException" in result.stderr
    assert len(local.versions()) == 2


def test_versions_and_revert(local: Local) -> None:
    assert local.run("update", local.image_set_id, "--set", "Patient.PatientName=DOE^JANE", "--wait").exit_code == 0
    listed = local.json("versions", local.image_set_id)
    assert [v["version_id"] for v in listed["versions"]] == ["2", "1"]
    assert listed["versions"][0]["image_set_workflow_status"] == "UPDATED"
    table = local.run("versions", local.image_set_id)
    assert table.stdout.splitlines()[0].split()[:3] == ["VERSION", "STATE", "WORKFLOW"]
    reverted = local.json("revert", local.image_set_id, "--to-version", "1", "--wait")
    assert reverted["latest_version_id"] == "3" and reverted["settled"]["image_set_state"] == "ACTIVE"
    assert local.document()["Patient"]["DICOM"]["PatientName"] == "DOE^JOHN"


def test_revert_dry_run(local: Local) -> None:
    plan = local.json("revert", local.image_set_id, "--to-version", "1", "--latest-version", "3", "--dry-run")
    assert plan["revert_to_version_id"] == "1" and plan["latest_version_id"] == "3"
    assert "updatable_attributes" not in plan


def test_writes_do_not_prompt_off_a_terminal(local: Local) -> None:
    """The runner's stdin is no terminal: the write goes ahead as a script's would, without --yes."""
    result = local.run("update", local.image_set_id, "--set", "Patient.PatientName=X", input="n\n")
    assert result.exit_code == 0 and "[y/N]" not in result.output
    assert len(local.versions()) == 2


# --- copy and wait -----------------------------------------------------------------------------


def test_copy_whole_image_set(local: Local) -> None:
    result = local.json("copy", local.image_set_id, "--wait")
    destination = result["destination_image_set_properties"]["image_set_id"]
    assert destination != local.image_set_id
    assert result["settled"]["image_set_workflow_status"] == "COPIED"
    assert local.document(destination)["Study"]["Series"].keys() == {SERIES_A, SERIES_B}


def test_copy_a_series_and_an_instance(local: Local) -> None:
    sop = _sop_uids(local.document(), SERIES_B)[1]
    result = local.json("copy", local.image_set_id, "--series", SERIES_A, "--instance", SERIES_B, sop)
    copied = local.document(result["destination_image_set_properties"]["image_set_id"])
    assert _sop_uids(copied, SERIES_A) == _sop_uids(local.document(), SERIES_A)
    assert _sop_uids(copied, SERIES_B) == [sop]


def test_copy_into_an_existing_image_set(local: Local) -> None:
    target = local.emulator.add_image_set(patient=PATIENT, study=STUDY, series=[{"SeriesInstanceUID": "2.25.9"}])
    result = local.run("copy", local.image_set_id, "--series", SERIES_A, "--destination", target, "--force")
    assert result.exit_code == 0, result.output
    assert SERIES_A in local.document(target)["Study"]["Series"]
    assert [v.version_id for v in local.versions(target)] == ["2", "1"]


def test_copy_dry_run_shows_the_subset_masked_in_a_table(local: Local) -> None:
    plan = local.json("copy", local.image_set_id, "--series", SERIES_A, "--dry-run")
    assert plan["copiable_attributes"] == {
        "SchemaVersion": "1.1",
        "Study": {"Series": {SERIES_A: {"Instances": {sop: {} for sop in _sop_uids(local.document(), SERIES_A)}}}},
    }
    table = local.run("copy", local.image_set_id, "--series", SERIES_A, "--dry-run")
    assert SERIES_A not in table.stdout and "<series 1>" in table.stdout
    assert len(local.emulator.client().search_image_sets(local.datastore_id).image_sets_metadata_summaries) == 7


def test_copy_of_an_unknown_series_is_a_usage_error(local: Local) -> None:
    result = local.run("copy", local.image_set_id, "--series", "2.25.404")
    assert result.exit_code == ExitCode.USAGE and "no such series" in result.stderr


def test_wait_prints_the_settled_version(local: Local) -> None:
    local.emulator.state_delay = 0.3
    assert local.run("update", local.image_set_id, "--set", "Patient.PatientName=X").exit_code == 0
    settled = local.json("wait", local.image_set_id, "--poll-interval", "0.05")
    assert (settled["version_id"], settled["image_set_state"]) == ("2", "ACTIVE")


def test_a_wait_that_times_out_exits_10(local: Local) -> None:
    local.emulator.state_delay = 60
    assert local.run("update", local.image_set_id, "--set", "Patient.PatientName=X").exit_code == 0
    result = local.run("wait", local.image_set_id, "--timeout", "0.1", "--poll-interval", "0.05")
    assert result.exit_code == ExitCode.WAIT_TIMED_OUT
    assert result.stderr.startswith("error: ")


def test_a_failed_write_exits_9() -> None:
    endpoint = "https://healthimaging.test"
    failed = {
        "imageSetPropertiesList": [
            {
                "imageSetId": "a" * 32,
                "versionId": "2",
                "imageSetState": "ACTIVE",
                "ImageSetWorkflowStatus": "UPDATE_FAILED",
            }
        ]
    }
    with respx.mock(base_url=endpoint, assert_all_called=True) as mock:
        mock.post(path__regex=r"/listImageSetVersions$").mock(return_value=httpx.Response(200, json=failed))
        result = invoke(
            "wait", "a" * 32, "--datastore-id", "b" * 32, "--endpoint-url", endpoint, "--region", "us-east-1",
            env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake"},
        )  # fmt: skip
    assert result.exit_code == ExitCode.WRITE_FAILED, result.output


# --- failures and their exit codes ---------------------------------------------------------------


def test_an_unknown_image_set_exits_4(local: Local) -> None:
    result = local.run("metadata", "0" * 32)
    assert result.exit_code == ExitCode.NOT_FOUND
    assert result.stderr.startswith("error: GetImageSetMetadata failed: ResourceNotFoundException")
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("status", "code", "exit_code"),
    [
        (429, "ThrottlingException", ExitCode.THROTTLED),
        (500, "InternalServerException", ExitCode.SERVICE),
        (403, "AccessDeniedException", ExitCode.CONFIG),
        (400, "ValidationException", ExitCode.SERVICE),
    ],
)
def test_service_errors_have_their_exit_codes(local: Local, status: int, code: str, exit_code: ExitCode) -> None:
    local.emulator.fail_next("SearchImageSets", status=status, code=code)
    result = local.run("search", "--max-attempts", "1")
    assert result.exit_code == exit_code
    assert code in result.stderr


def test_max_attempts_reaches_the_retry_policy(local: Local) -> None:
    local.emulator.throttle_next("ListImageSetVersions")
    assert local.run("versions", local.image_set_id, "--max-attempts", "2").exit_code == 0


def test_an_invalid_id_exits_2_before_sending(local: Local) -> None:
    local.emulator.fail_next(None, status=500)  # would answer whatever was sent
    result = local.run("versions", "not-an-id")
    assert result.exit_code == ExitCode.USAGE
    assert "image_set_id" in result.stderr
    # The fault still waits for the first request: the one above was never sent.
    assert local.run("search", "--max-attempts", "1").exit_code == ExitCode.SERVICE


def test_no_connection_exits_8() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    result = invoke(
        "search", "--datastore-id", "b" * 32, "--endpoint-url", f"http://127.0.0.1:{port}", "--region", "us-east-1",
        "--max-attempts", "1", env={"AWS_ACCESS_KEY_ID": "AKIDEXAMPLE", "AWS_SECRET_ACCESS_KEY": "fake"},
    )  # fmt: skip
    assert result.exit_code == ExitCode.NETWORK, result.output


def test_no_region_or_no_credentials_exit_3(local: Local) -> None:
    no_region = invoke("search", "--datastore-id", "b" * 32, "--endpoint-url", local.endpoint_url)
    assert no_region.exit_code == ExitCode.CONFIG and "region" in no_region.stderr
    no_credentials = invoke(
        "search", "--datastore-id", "b" * 32, "--endpoint-url", local.endpoint_url, "--region", "us-east-1"
    )
    assert no_credentials.exit_code == ExitCode.CONFIG and "credentials" in no_credentials.stderr
    for region in ([], ["--region", "us-east-1"]):
        unknown_profile = invoke(
            "search", "--datastore-id", "b" * 32, "--endpoint-url", local.endpoint_url, "--profile", "nope", *region
        )
        assert unknown_profile.exit_code == ExitCode.CONFIG and "nope" in unknown_profile.stderr


def test_a_missing_datastore_is_a_usage_error(local: Local) -> None:
    env = {k: v for k, v in local.env().items() if k != "HEALTHIMAGING_DATASTORE_ID"}
    result = invoke("search", "--endpoint-url", local.endpoint_url, env=env)
    assert result.exit_code == ExitCode.USAGE and "--datastore-id" in result.stderr


def test_an_unexpected_error_names_its_type_only_and_shows_a_traceback_with_debug(
    local: Local, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("DOE^JOHN")

    monkeypatch.setattr(hic.Client, "iter_image_set_pages", broken)
    plain = local.run("search")
    assert plain.exit_code == ExitCode.ERROR
    assert plain.stderr == "error: unexpected KeyError (run again with --debug to see why)\n"
    debug = local.run("search", "--debug")
    assert debug.exit_code == ExitCode.ERROR and "Traceback" in debug.stderr


# --- debug logging and PHI ---------------------------------------------------------------------


def test_debug_logs_each_request_without_patient_values(local: Local) -> None:
    result = local.run("search", "--patient-id", "PAT-CLI-1", "--debug", "--show-phi")
    assert result.exit_code == 0
    assert "SearchImageSets -> HTTP 200" in result.stderr
    for value in PHI_VALUES:
        assert value not in result.stderr
    assert local.emulator.aws_secret_access_key not in result.stderr


def test_log_bodies_warns_and_logs_the_bodies(local: Local) -> None:
    result = local.run("search", "--patient-id", "PAT-CLI-1", "--log-bodies")
    assert result.exit_code == 0
    assert result.stderr.startswith("warning: --log-bodies writes request and response bodies")
    assert "PAT-CLI-1" in result.stderr
    assert "UserWarning" not in result.stderr


def test_the_sdk_logger_is_left_as_it_was(local: Local) -> None:
    import logging

    logger = logging.getLogger("healthimaging_client")
    handlers, level = list(logger.handlers), logger.level
    assert local.run("search", "--debug").exit_code == 0
    assert (logger.handlers, logger.level) == (handlers, level)


# --- global options ------------------------------------------------------------------------------


def test_global_options_go_before_or_after_the_command(local: Local) -> None:
    before = invoke("--endpoint-url", local.endpoint_url, "-o", "json", "search", env=local.env())
    after = invoke("search", "--endpoint-url", local.endpoint_url, "-o", "json", env=local.env())
    assert before.exit_code == after.exit_code == 0
    assert json.loads(before.stdout) == json.loads(after.stdout)


def test_an_option_given_before_the_command_is_not_reset_after_it(local: Local) -> None:
    result = invoke("-o", "json", "--show-phi", "search", "--endpoint-url", local.endpoint_url, env=local.env())
    assert json.loads(result.stdout)["image_sets"]


def test_the_output_format_can_come_from_the_environment(local: Local) -> None:
    result = invoke("search", "--endpoint-url", local.endpoint_url, env={**local.env(), "HEALTHIMAGING_OUTPUT": "json"})
    assert len(json.loads(result.stdout)["image_sets"]) == 7


# --- --local -----------------------------------------------------------------------------------


def test_local_runs_every_command_against_the_seeded_emulator() -> None:
    found = json.loads(invoke("--local", "search", "-o", "json").stdout)["image_sets"]
    assert len(found) == 20
    image_set_id = found[0]["image_set_id"]
    document = json.loads(invoke("--local", "metadata", image_set_id, "-o", "json").stdout)
    assert document["ImageSetID"] == image_set_id
    assert (
        json.loads(invoke("--local", "versions", image_set_id, "-o", "json").stdout)["versions"][0]["version_id"] == "1"
    )
    updated = json.loads(
        invoke("--local", "update", image_set_id, "--set", "Study.StudyDescription=HIP", "--wait", "-o", "json").stdout
    )
    assert updated["settled"]["image_set_workflow_status"] == "UPDATED"
    copied = json.loads(invoke("--local", "copy", image_set_id, "--wait", "-o", "json").stdout)
    assert copied["settled"]["image_set_workflow_status"] == "COPIED"
    assert json.loads(invoke("--local", "wait", image_set_id, "-o", "json").stdout)["image_set_state"] == "ACTIVE"
    plan = json.loads(invoke("--local", "revert", image_set_id, "--to-version", "1", "--dry-run", "-o", "json").stdout)
    assert plan["operation"] == "UpdateImageSetMetadata"


def test_local_refuses_aws_settings() -> None:
    result = invoke("--local", "search", "--endpoint-url", "http://127.0.0.1:1")
    assert result.exit_code == ExitCode.USAGE and "--endpoint-url" in result.stderr


# --- the program ---------------------------------------------------------------------------------


def test_help_and_version() -> None:
    assert invoke("--help").stdout.startswith("Usage: healthimaging [OPTIONS] COMMAND")
    assert invoke("--version").stdout == f"healthimaging, version {hic.__version__}\n"
    assert invoke("search", "-h").exit_code == 0


def test_shell_completion() -> None:
    script = invoke("completion", "bash")
    assert script.exit_code == 0 and "_HEALTHIMAGING_COMPLETE=bash_complete" in script.stdout
    completed = invoke(
        env={"_HEALTHIMAGING_COMPLETE": "bash_complete", "COMP_WORDS": "healthimaging se", "COMP_CWORD": "1"}
    )
    assert completed.stdout.split() == ["plain,search"]


def test_the_console_script_is_registered() -> None:
    [script] = [ep for ep in importlib.metadata.entry_points(group="console_scripts") if ep.name == "healthimaging"]
    assert script.value == "healthimaging_client.cli:main"


def test_importing_the_sdk_never_imports_click_or_the_command_line() -> None:
    """httpx imports click for its own command line when it can, so that module of httpx is kept out here."""
    code = (
        "import sys; sys.modules['httpx._main'] = None\n"
        "import healthimaging_client, healthimaging_client.testing\n"
        "print('click' in sys.modules, sorted(m for m in sys.modules if m.startswith('healthimaging_client.cli')))"
    )
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "False []"


def test_the_sdk_works_without_click() -> None:
    code = "import sys; sys.modules['click'] = None\nimport healthimaging_client.testing\nprint('ok')"
    shown = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "ok"


def test_without_the_cli_extra_the_command_says_how_to_get_it() -> None:
    code = "import sys; sys.modules['click'] = None\nfrom healthimaging_client.cli import main\nmain()"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert proc.returncode == ExitCode.CONFIG
    assert "pip install 'healthimaging-client[cli]'" in proc.stderr


def test_python_dash_m_runs_it_as_a_real_process(local: Local) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "healthimaging_client", "search", "--endpoint-url", local.endpoint_url, "-o", "json"],
        capture_output=True,
        text=True,
        env={"PATH": "/usr/bin:/bin", **local.env()},
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["image_sets"]) == 7
    assert proc.stderr == ""
    failed = subprocess.run(
        [sys.executable, "-m", "healthimaging_client", "--local", "metadata", "0" * 32],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert failed.returncode == ExitCode.NOT_FOUND and "ResourceNotFoundException" in failed.stderr
