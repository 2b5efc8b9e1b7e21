"""Reading an import job's output documents: the summary and the success, failure and warning manifests,
in the format the service's documentation shows (synthetic values), from bytes or from files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import healthimaging_client as hic
from healthimaging_client.import_results import (
    FailedFile,
    ImportedFile,
    iter_failed_files,
    iter_imported_files,
    read_import_results,
    read_job_summary,
)

DATASTORE = "12345678901234567890123456789012"
JOB = "09876543210987654321098765432109"
FOLDER = f"{DATASTORE}-DicomImport-{JOB}"
PREFIX = f"s3://medical-imaging-output/job_output/{FOLDER}/"
SUMMARY = {
    "jobSummary": {
        "jobId": JOB,
        "datastoreId": DATASTORE,
        "inputS3Uri": "s3://medical-imaging-dicom-input/dicom_input/",
        "outputS3Uri": PREFIX,
        "successOutputS3Uri": PREFIX + "SUCCESS/",
        "failureOutputS3Uri": PREFIX + "FAILURE/",
        "warningsOutputS3Uri": PREFIX + "WARNING/",
        "numberOfScannedFiles": 5,
        "numberOfImportedFiles": 3,
        "numberOfFilesWithCustomerError": 2,
        "numberOfFilesWithServerError": 0,
        "numberOfGeneratedImageSets": 2,
        "imageSetsSummary": [
            {"imageSetId": "12345612345612345678907890789012", "numberOfMatchedSOPInstances": 2},
            {
                "imageSetId": "12345612345612345678917891789012",
                "numberOfMatchedSOPInstances": 1,
                "imageSetVersion": 1,
                "isPrimary": False,
            },
        ],
        "someFutureMember": {"ignored": True},
    }
}
SUCCESS = (
    b'{"inputFile":"dicomInputFolder/2.25.1001.dcm","importResponse":'
    b'{"imageSetId":"12345612345612345678907890789012", "isPrimary": true}}\n'
    b'{"inputFile":"dicomInputFolder/2.25.1002.dcm","importResponse":'
    b'{"imageSetId":"12345612345612345678917891789012", "isPrimary": false, "imageSetVersion": 2}}\n'
)
FAILURE = (
    b'{"inputFile":"dicom_input/invalidDicomFile1.dcm","exception":'
    b'{"exceptionType":"ValidationException","message":"DICOM attribute TransferSyntaxUID does not exist"}}\n'
    b"\n"
    b'{"inputFile":"dicom_input/DOE^JANE.dcm","exception":{"exceptionType":"ValidationException",'
    b'"message":"DICOM attributes does not exist"}}\n'
)
WARNING = (
    b'{"inputFile":"dicom_input/warningDicomFile1.dcm","importResponse":{"imageSetId":'
    b'"12345612345612345678907890789012","imageSetVersion":1,"isPrimary":true,"warnings":[{"warning_reason_code":'
    b'45330,"type":"InvalidOffsetTable","message":"The file was imported but contains an invalid offset table."}]}}'
)


def test_the_summary() -> None:
    summary = read_job_summary(json.dumps(SUMMARY).encode())
    assert (summary.job_id, summary.datastore_id) == (JOB, DATASTORE)
    assert (summary.number_of_scanned_files, summary.number_of_imported_files) == (5, 3)
    assert (summary.number_of_files_with_customer_error, summary.number_of_files_with_server_error) == (2, 0)
    assert summary.number_of_generated_image_sets == 2
    assert summary.failure_output_s3_uri == PREFIX + "FAILURE/"
    assert summary.warnings_output_s3_uri == PREFIX + "WARNING/"
    first, second = summary.image_sets_summary
    assert (first.number_of_matched_sop_instances, first.is_primary, first.image_set_version) == (2, None, None)
    assert (second.image_set_id, second.is_primary, second.image_set_version) == (
        "12345612345612345678917891789012",
        False,
        1,
    )


def test_the_success_failure_and_warning_manifests() -> None:
    imported = list(iter_imported_files(SUCCESS))
    assert [f.input_file for f in imported] == ["dicomInputFolder/2.25.1001.dcm", "dicomInputFolder/2.25.1002.dcm"]
    assert [(f.is_primary, f.image_set_version) for f in imported] == [(True, None), (False, 2)]
    failed = list(iter_failed_files(FAILURE))
    assert [f.exception_type for f in failed] == ["ValidationException"] * 2
    assert failed[0].message == "DICOM attribute TransferSyntaxUID does not exist"
    (warned,) = iter_imported_files(WARNING)
    assert [(w.warning_reason_code, w.type) for w in warned.warnings] == [(45330, "InvalidOffsetTable")]


def test_file_names_and_messages_print_masked() -> None:
    failed = list(iter_failed_files(FAILURE))[1]
    assert failed.input_file == "dicom_input/DOE^JANE.dcm"
    for text in (repr(failed), str(failed), repr(list(iter_imported_files(SUCCESS)))):
        assert "DOE^JANE" not in text and "2.25.1001" not in text and "does not exist" not in text
    assert "ValidationException" in repr(failed)


def _write_job(folder: Path, *, failure: bytes | None = FAILURE) -> Path:
    (folder / "SUCCESS").mkdir(parents=True)
    (folder / "job-output-manifest.json").write_text(json.dumps(SUMMARY))
    (folder / "SUCCESS" / "success.ndjson").write_bytes(SUCCESS)
    if failure is not None:
        (folder / "FAILURE").mkdir()
        (folder / "FAILURE" / "failure.ndjson").write_bytes(failure)
    return folder


def test_a_downloaded_job_folder_or_the_prefix_above_it(tmp_path: Path) -> None:
    job_folder = _write_job(tmp_path / "out" / FOLDER)
    for where in (job_folder, tmp_path / "out", str(tmp_path / "out")):
        results = read_import_results(where)
        assert results.summary.job_id == JOB
        assert len(results.imported) == 2 and len(results.failed) == 2 and results.warned == ()
    assert [f.image_set_id for f in iter_imported_files(job_folder / "SUCCESS" / "success.ndjson")] == [
        f.image_set_id for f in iter_imported_files(SUCCESS)
    ]


def test_a_job_without_failures_has_no_failure_manifest(tmp_path: Path) -> None:
    results = read_import_results(_write_job(tmp_path / FOLDER, failure=None))
    assert results.failed == () and all(isinstance(f, ImportedFile) for f in results.imported)


def test_the_prefix_of_several_jobs_needs_the_job_id(tmp_path: Path) -> None:
    _write_job(tmp_path / FOLDER)
    _write_job(tmp_path / f"{DATASTORE}-DicomImport-{'1' * 32}", failure=None)
    with pytest.raises(hic.ImportManifestError, match=r"found 2 .*job_id"):
        read_import_results(tmp_path)
    assert len(read_import_results(tmp_path, job_id=JOB).failed) == 2
    with pytest.raises(hic.ImportManifestError, match="found 0"):
        read_import_results(tmp_path, job_id="2" * 32)


@pytest.mark.parametrize(
    ("document", "expected"),
    [
        (
            b'{"inputFile":"DOE^JANE.dcm","exception":{"exceptionType":"X"}}\n{"inputFile": DOE^JANE}',
            "line 2: not valid JSON at position 14",
        ),
        (b'{"exception":{"exceptionType":"X","message":"DOE^JANE"}}', "line 1: $.inputFile is missing"),
        (b'{"inputFile":"DOE^JANE.dcm"}', "line 1: $.exception is missing"),
        (b'{"inputFile":["DOE^JANE"],"exception":{}}', "line 1: $.inputFile is not of the expected type (str)"),
        (b'["DOE^JANE"]', "line 1: $ is not a JSON object"),
        (b'{"inputFile":"x","exception":{"message":7}}', "line 1: $.exception.message is not of the expected type"),
        (b"\xff\xfe{}", "line 1: not valid JSON"),
    ],
)
def test_a_bad_failure_manifest_says_where_and_never_what(document: bytes, expected: str) -> None:
    with pytest.raises(hic.ImportManifestError) as caught:
        list(iter_failed_files(document))
    assert str(caught.value).startswith("the document " + expected.split(":")[0])
    assert expected.split(": ", 1)[1] in str(caught.value)
    assert "DOE^JANE" not in str(caught.value) and caught.value.__cause__ is None
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize(
    "summary",
    [
        {"jobSummary": {**SUMMARY["jobSummary"], "numberOfImportedFiles": "3"}},
        {"jobSummary": {**SUMMARY["jobSummary"], "numberOfImportedFiles": True}},
        {"jobSummary": {k: v for k, v in SUMMARY["jobSummary"].items() if k != "jobId"}},
        {"jobSummary": {**SUMMARY["jobSummary"], "imageSetsSummary": [{"numberOfMatchedSOPInstances": 1}]}},
        {"summary": {}},
    ],
)
def test_a_bad_summary_is_a_typed_error(summary: object, tmp_path: Path) -> None:
    path = tmp_path / "job-output-manifest.json"
    path.write_text(json.dumps(summary))
    with pytest.raises(hic.ImportManifestError, match=r"^job-output-manifest\.json: \$\."):
        read_job_summary(path)


def test_a_utf8_bom_and_crlf_line_ends_are_read(tmp_path: Path) -> None:
    path = tmp_path / "failure.ndjson"
    path.write_bytes(b"\xef\xbb\xbf" + FAILURE.replace(b"\n", b"\r\n"))
    failed = list(iter_failed_files(path))
    assert len(failed) == 2 and all(isinstance(f, FailedFile) for f in failed)


def test_manifests_are_read_lazily(tmp_path: Path) -> None:
    path = tmp_path / "failure.ndjson"
    path.write_bytes(FAILURE + b"{not json}\n")
    files = iter_failed_files(path)
    assert next(files).exception_type == "ValidationException"  # the bad last line is not read yet
    assert next(files).input_file.endswith(".dcm")
    with pytest.raises(hic.ImportManifestError, match=r"failure\.ndjson line 4"):
        next(files)
