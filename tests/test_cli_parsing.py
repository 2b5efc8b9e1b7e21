"""The command line's pure parts: readable filters, update expressions, exit codes, masking, progress, the tree."""

from __future__ import annotations

import base64
import io
import json
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

import healthimaging_client as hic
from healthimaging_client.builders import DICOMUpdatesBuilder
from healthimaging_client.cli import _exit, _filters, _updates
from healthimaging_client.cli._datastores import parse_tag
from healthimaging_client.cli._imports import results_location
from healthimaging_client.cli._output import MASK, jsonable, masked_document, shown
from healthimaging_client.cli._progress import Progress
from healthimaging_client.cli._tree import Node, draw
from healthimaging_client.metadata import Instance

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)


def _study_bounds(text: str) -> list[tuple[str, str | None]]:
    search_filter = _filters.study_date_filter(text)
    return [
        (v.dicom_study_date_and_time.dicom_study_date, v.dicom_study_date_and_time.dicom_study_time)
        for v in search_filter.values
        if v.dicom_study_date_and_time is not None
    ]


# --- study dates ------------------------------------------------------------------------------


def test_a_study_date_is_its_whole_day() -> None:
    assert _filters.study_date_filter("20240131").operator == hic.Operator.BETWEEN
    assert _study_bounds("20240131") == [("20240131", "000000"), ("20240131", "235959.999999")]
    assert _study_bounds("2024-01-31") == _study_bounds("20240131")


def test_a_study_date_range_spans_from_the_first_day_to_the_end_of_the_last() -> None:
    assert _study_bounds("20240101..20240131") == [("20240101", "000000"), ("20240131", "235959.999999")]
    assert _study_bounds("20240101093000..20240101120000") == [("20240101", "093000"), ("20240101", "120000")]


def test_a_study_date_range_may_be_open_at_either_end() -> None:
    assert _study_bounds("20240101..") == [("20240101", "000000"), (_filters.LATEST_STUDY_DATE, "235959.999999")]
    assert _study_bounds("..20240101") == [(_filters.EARLIEST_STUDY_DATE, "000000"), ("20240101", "235959.999999")]


def test_a_study_date_with_a_time_is_one_moment() -> None:
    search_filter = _filters.study_date_filter("20240131093000.5")
    assert search_filter.operator == hic.Operator.EQUAL
    assert _study_bounds("20240131093000.5") == [("20240131", "093000.5")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("2024013", "not a date"),
        ("20240230", "no such date"),
        ("20240101250000", "no such date"),
        ("..", "at least one end"),
        ("20240201..20240101", "ends before it starts"),
        ("PAT0001", "not a date"),
    ],
)
def test_bad_study_dates_say_what_is_wrong_without_repeating_the_value(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        _filters.study_date_filter(text)
    assert len(text) < 3 or text not in str(caught.value)


# --- timestamps --------------------------------------------------------------------------------


def test_a_timestamp_day_covers_the_day_in_utc() -> None:
    search_filter = _filters.timestamp_filter("updated_at", "2024-01-31", now=lambda: NOW)
    low, high = (v.updated_at for v in search_filter.values)
    assert (low, high) == (
        datetime(2024, 1, 31, tzinfo=UTC),
        datetime(2024, 2, 1, tzinfo=UTC) - timedelta(milliseconds=1),
    )


def test_a_timestamp_range_keeps_offsets_and_takes_naive_times_as_utc() -> None:
    search_filter = _filters.timestamp_filter(
        "created_at", "2024-01-01T10:00:00+02:00..2024-01-02T00:00", now=lambda: NOW
    )
    low, high = (v.created_at for v in search_filter.values)
    assert low == datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=2)))
    assert high == datetime(2024, 1, 2, tzinfo=UTC)


def test_open_timestamp_ranges_end_at_the_epoch_and_now() -> None:
    since = _filters.timestamp_filter("created_at", "2024-01-01..", now=lambda: NOW)
    until = _filters.timestamp_filter("created_at", "..2024-01-01", now=lambda: NOW)
    assert [v.created_at for v in since.values] == [datetime(2024, 1, 1, tzinfo=UTC), NOW]
    assert until.values[0].created_at == _filters.EPOCH


def test_one_exact_timestamp_is_an_equal_filter() -> None:
    search_filter = _filters.timestamp_filter("updated_at", "2024-01-01T10:00:00Z", now=lambda: NOW)
    assert search_filter.operator == hic.Operator.EQUAL
    assert search_filter.values[0].updated_at == datetime(2024, 1, 1, 10, tzinfo=UTC)


@pytest.mark.parametrize("text", ["yesterday", "2024-13-01", "2024-02-01..2024-01-01"])
def test_bad_timestamps_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        _filters.timestamp_filter("updated_at", text, now=lambda: NOW)


# --- other filters and the sort -----------------------------------------------------------------


def test_equal_filters_and_the_primary_flag() -> None:
    patient = _filters.equal_filter("dicom_patient_id", "PAT-1")
    assert (patient.operator, patient.values[0].dicom_patient_id) == (hic.Operator.EQUAL, "PAT-1")
    assert _filters.primary_filter(False).values[0].is_primary is False
    with pytest.raises(ValueError, match="empty"):
        _filters.equal_filter("dicom_patient_id", "")


@pytest.mark.parametrize(
    ("text", "field", "order"),
    [
        ("updated-at", hic.SortField.UPDATED_AT, hic.SortOrder.DESC),
        ("created-at:asc", hic.SortField.CREATED_AT, hic.SortOrder.ASC),
        ("study-date:DESC", hic.SortField.DICOM_STUDY_DATE_AND_TIME, hic.SortOrder.DESC),
    ],
)
def test_sort(text: str, field: hic.SortField, order: hic.SortOrder) -> None:
    assert _filters.parse_sort(text) == hic.Sort(sort_field=field, sort_order=order)


@pytest.mark.parametrize("text", ["modality", "updated-at:up", "updatedAt"])
def test_bad_sorts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        _filters.parse_sort(text)


# --- update expressions -----------------------------------------------------------------------


def test_set_expressions_at_each_level() -> None:
    assert _updates.parse_set("Patient.PatientName=DOE^JANE=X") == _updates.SetAttribute(
        _updates.Level("Patient"), "PatientName", "DOE^JANE=X"
    )
    assert _updates.parse_set("Study.StudyDescription=") == _updates.SetAttribute(
        _updates.Level("Study"), "StudyDescription", ""
    )
    assert _updates.parse_set("Series[1.2.3].SeriesNumber:=4") == _updates.SetAttribute(
        _updates.Level("Series", "1.2.3"), "SeriesNumber", 4
    )
    assert _updates.parse_set("Series[1.2.3].Instances[1.2.3.4].001910F9:DS=97") == _updates.SetAttribute(
        _updates.Level("Instance", "1.2.3", "1.2.3.4"), "001910F9", "97", "DS"
    )


def test_remove_expressions() -> None:
    assert _updates.parse_remove("Study.StudyDescription") == _updates.RemoveAttribute(
        _updates.Level("Study"), "StudyDescription"
    )
    assert _updates.parse_remove("Patient.PatientName=DOE^JANE") == _updates.RemoveAttribute(
        _updates.Level("Patient"), "PatientName", "DOE^JANE"
    )
    assert _updates.parse_remove("Series[1.2.3]") == _updates.RemoveLevel(_updates.Level("Series", "1.2.3"))
    assert _updates.parse_remove("Series[1.2.3].Instances[4.5]") == _updates.RemoveLevel(
        _updates.Level("Instance", "1.2.3", "4.5")
    )


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (_updates.parse_set, "PatientName=DOE", "start with a level"),
        (_updates.parse_set, "Series[1.2]Modality=CT", "start with a level"),
        (_updates.parse_set, "Patient.PatientName", "give a value"),
        (_updates.parse_set, "Patient.Patient Name=X", "name an attribute"),
        (_updates.parse_set, "Series[1.2].SeriesNumber:=four", "must be JSON"),
        (_updates.parse_set, "Study.0019XXXX=1", "name an attribute"),
        (_updates.parse_set, "Series[1.2].0019100A:DS=1", "only for an instance"),
        (_updates.parse_remove, "Study", "name the attribute"),
        (_updates.parse_remove, "Series[1.2].Instances[3].0019100A:DS", "takes no VR"),
    ],
)
def test_bad_expressions_say_what_is_wrong(parse: object, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse(text)  # type: ignore[operator]


def _metadata() -> hic.ImageSetMetadata:
    instance = {"DICOM": {"0019100A": "7"}, "DICOMVRs": {"0019100A": "DS"}}
    return hic.ImageSetMetadata(
        {
            "Patient": {"DICOM": {"PatientName": "DOE^JOHN"}},
            "Study": {
                "DICOM": {"StudyDescription": "CHEST"},
                "Series": {"1.2": {"DICOM": {"Modality": "CT"}, "Instances": {"1.2.3": instance}}},
            },
        }
    )


def test_changes_become_the_builders_documents() -> None:
    changes = [
        _updates.parse_set("Patient.PatientName=DOE^JANE"),
        _updates.parse_set("Series[1.2].Instances[1.2.3].0019100B:DS=9"),
        _updates.parse_remove("Study.StudyDescription"),
        _updates.parse_remove("Series[1.2].Instances[1.2.3].0019100A"),
        _updates.parse_remove("Series[9.9]"),
    ]
    assert _updates.needs_current_metadata(changes)
    builder = _updates.apply(DICOMUpdatesBuilder(_metadata()), changes)
    instance_set = {"DICOM": {"0019100B": "9"}, "DICOMVRs": {"0019100B": "DS"}}
    assert builder.updatable_attributes() == {
        "SchemaVersion": 1.1,
        "Patient": {"DICOM": {"PatientName": "DOE^JANE"}},
        "Study": {"Series": {"1.2": {"Instances": {"1.2.3": instance_set}}}},
    }
    instance_removed = {"DICOM": {"0019100A": "7"}, "DICOMVRs": {"0019100A": "DS"}}
    assert builder.removable_attributes() == {
        "SchemaVersion": 1.1,
        "Study": {
            "DICOM": {"StudyDescription": "CHEST"},
            "Series": {"1.2": {"Instances": {"1.2.3": instance_removed}}, "9.9": {}},
        },
    }
    assert _updates.summary(changes) == "set 2 attribute(s), remove 2 attribute(s), remove 1 series or instance(s)"


def test_a_removal_with_its_value_needs_no_metadata() -> None:
    changes = [_updates.parse_remove("Study.StudyDescription=CHEST"), _updates.parse_set("Series[1].Modality=MR")]
    assert not _updates.needs_current_metadata(changes)
    builder = _updates.apply(DICOMUpdatesBuilder(), changes)
    assert builder.removable_attributes() == {"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": "CHEST"}}}


def test_update_files_take_objects_or_the_aws_clis_base64() -> None:
    document = {"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": "DOE^JANE"}}}
    plain = _updates.updates_from_file(json.dumps({"updatableAttributes": document}).encode())
    encoded = base64.b64encode(json.dumps(document).encode()).decode()
    aws = _updates.updates_from_file(json.dumps({"DICOMUpdates": {"updatableAttributes": encoded}}).encode())
    assert plain.updatable_attributes is not None and aws.updatable_attributes is not None
    assert json.loads(plain.updatable_attributes) == json.loads(aws.updatable_attributes) == document
    assert plain.removable_attributes is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"{", "not JSON"),
        (b"[]", "JSON object"),
        (b"{}", "takes updatableAttributes"),
        (b'{"updatable": {}}', "takes updatableAttributes"),
        (b'{"updatableAttributes": "%%%"}', "base64"),
        (b'{"updatableAttributes": 3}', "must be a JSON object"),
    ],
)
def test_bad_update_files_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        _updates.updates_from_file(content)


# --- exit codes ---------------------------------------------------------------------------------


def _service(cls: type[hic.ServiceError], status: int) -> hic.ServiceError:
    return cls("m", operation="SearchImageSets", status_code=status, code=cls.__name__)


def _waited(cls: type[hic.WaiterError], status: hic.JobStatus) -> hic.WaiterError:
    """A waiter's error about an import job, as ``wait_for_dicom_import_job`` raises it."""
    error = cls(f"import job {'j' * 32} {status}")
    error.job_properties = hic.DICOMImportJobProperties(
        job_id="j" * 32,
        job_name="n",
        job_status=status,
        datastore_id="d" * 32,
        data_access_role_arn="arn:aws:iam::123456789012:role/R",
        input_s3_uri="s3://in/",
        output_s3_uri="s3://out/",
    )
    return error


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (hic.ParamValidationError(["x: bad"]), _exit.ExitCode.USAGE),
        (hic.CredentialsError("none"), _exit.ExitCode.CONFIG),
        (_service(hic.AccessDeniedException, 403), _exit.ExitCode.CONFIG),
        (_service(hic.ResourceNotFoundException, 404), _exit.ExitCode.NOT_FOUND),
        (_service(hic.ConflictException, 409), _exit.ExitCode.CONFLICT),
        (_service(hic.ThrottlingException, 429), _exit.ExitCode.THROTTLED),
        (_service(hic.ServiceQuotaExceededException, 402), _exit.ExitCode.THROTTLED),
        (_service(hic.ValidationException, 400), _exit.ExitCode.SERVICE),
        (_service(hic.InternalServerException, 500), _exit.ExitCode.SERVICE),
        (_service(hic.ServiceError, 418), _exit.ExitCode.SERVICE),
        (hic.ConnectError("refused"), _exit.ExitCode.NETWORK),
        (hic.TimeoutError("slow"), _exit.ExitCode.NETWORK),
        (hic.WaiterError("UPDATE_FAILED"), _exit.ExitCode.WRITE_FAILED),
        (hic.WaiterTimeoutError("still locked"), _exit.ExitCode.WAIT_TIMED_OUT),
        (_waited(hic.WaiterError, hic.JobStatus.FAILED), _exit.ExitCode.IMPORT_FAILED),
        (_waited(hic.WaiterTimeoutError, hic.JobStatus.IN_PROGRESS), _exit.ExitCode.WAIT_TIMED_OUT),
        (hic.InvalidResponseError("bad gzip"), _exit.ExitCode.ERROR),
        (hic.PaginationError("loop"), _exit.ExitCode.ERROR),
    ],
)
def test_each_error_has_its_exit_code(error: hic.HealthImagingError, code: _exit.ExitCode) -> None:
    assert _exit.exit_code_of(error) is code


def test_the_exit_codes_are_distinct_and_drawn_in_the_docstring() -> None:
    codes = list(_exit.ExitCode)
    assert len({int(c) for c in codes}) == len(codes)
    assert _exit.__doc__ is not None
    drawn = [int(line.split()[0]) for line in _exit.__doc__.split("::\n\n", 1)[1].splitlines() if line.strip()]
    assert drawn == [int(c) for c in codes]


# --- output -------------------------------------------------------------------------------------


def test_tags_are_key_equals_value() -> None:
    assert parse_tag("team=imaging") == ("team", "imaging")
    assert parse_tag("env=") == ("env", "")
    assert parse_tag("query=a=b") == ("query", "a=b")
    for text in ("novalue", "=value"):
        with pytest.raises(ValueError, match="KEY=VALUE"):
            parse_tag(text)


def test_mappings_and_lists_show_as_readable_text() -> None:
    assert shown({"team": "imaging", "env": ""}) == "team=imaging, env="
    assert shown(["a", hic.JobStatus.FAILED, True]) == "a, FAILED, yes"


def test_a_jobs_results_are_in_a_folder_of_its_own_under_its_output() -> None:
    expected = "s3://out/results/dddd-DicomImport-jjjj/"
    assert results_location("dddd", "jjjj", "s3://out/results") == expected
    assert results_location("dddd", "jjjj", "s3://out/results/") == expected


def test_models_become_json_values() -> None:
    properties = hic.ImageSetProperties(
        image_set_id="a" * 32,
        version_id="2",
        image_set_state=hic.ImageSetState.ACTIVE,
        image_set_workflow_status="SOMETHING_NEW",
        created_at=datetime(2024, 1, 1, 10, tzinfo=timezone(timedelta(hours=2))),
        overrides=hic.Overrides(forced=True),
    )
    assert jsonable([properties])[0] == {
        "image_set_id": "a" * 32,
        "version_id": "2",
        "image_set_state": "ACTIVE",
        "image_set_workflow_status": "SOMETHING_NEW",
        "created_at": "2024-01-01T08:00:00+00:00",
        "updated_at": None,
        "deleted_at": None,
        "message": None,
        "overrides": {"forced": True},
        "is_primary": None,
    }


def test_masked_documents_keep_their_shape_and_hide_values_and_uids() -> None:
    document = {
        "SchemaVersion": 1.1,
        "Patient": {"DICOM": {"PatientName": "DOE^JANE", "OtherPatientIDs": ["A", "B"]}},
        "Study": {"Series": {"1.2.3": {"Instances": {"1.2.3.4": {"DICOMVRs": {"00191001": "DS"}}}}}},
    }
    assert masked_document(document) == {
        "SchemaVersion": 1.1,
        "Patient": {"DICOM": {"PatientName": MASK, "OtherPatientIDs": [MASK, MASK]}},
        "Study": {"Series": {"<series 1>": {"Instances": {"<instance 1>": {"DICOMVRs": {"00191001": "DS"}}}}}},
    }


# --- progress and the tree ----------------------------------------------------------------------


def test_progress_draws_a_bar_with_a_total_and_a_spinner_without() -> None:
    with Progress("searching", unit="image sets", total=40, stream=io.StringIO()) as bar:
        bar.advance(10)
        assert bar.line(3.2, 0) == "searching [######..................] 10/40 image sets 3s"
    spinner = Progress("waiting", stream=io.StringIO())
    assert [spinner.line(1.0, tick)[0] for tick in range(4)] == ["|", "/", "-", "\\"]
    assert spinner.line(1.0, 0) == "| waiting 1s"


def test_progress_stays_silent_off_a_terminal() -> None:
    stream = io.StringIO()
    with Progress("searching", stream=stream) as progress:
        progress.advance(5)
    assert stream.getvalue() == ""


def test_the_tree_is_drawn_with_branches() -> None:
    tree = Node("root", (Node("a", (Node("a1"), Node("a2"))), Node("b", (Node("b1"),))))
    assert list(draw(tree)) == ["root", "├── a", "│   ├── a1", "│   └── a2", "└── b", "    └── b1"]


# --- previews, output files, the validator's verdicts ---------------------------------------------------------


def _instance(**dicom: object) -> Instance:
    return Instance("2.25.1", "2.25.2", {"DICOM": dicom})


@pytest.mark.parametrize(
    ("dicom", "expected"),
    [
        ({"WindowCenter": 40, "WindowWidth": 400}, (40.0, 400.0)),
        ({"WindowCenter": "40\\-600", "WindowWidth": "400\\1500"}, (40.0, 400.0)),
        ({"WindowCenter": [50, 60], "WindowWidth": ["350", "1"]}, (50.0, 350.0)),
        ({"WindowCenter": 40}, None),
        ({"WindowCenter": 40, "WindowWidth": 0}, None),
        ({"WindowCenter": "high", "WindowWidth": 400}, None),
        ({"WindowCenter": True, "WindowWidth": 400}, None),
    ],
)
def test_the_window_is_read_as_dicom_writes_it(dicom: dict[str, object], expected: tuple[float, float] | None) -> None:
    pytest.importorskip("numpy")
    from healthimaging_client.cli._preview import window

    assert window(dicom) == expected


def test_a_preview_maps_the_window_to_8_bits_and_inverts_monochrome1() -> None:
    np = pytest.importorskip("numpy")
    from healthimaging_client.cli._preview import to_8bit

    values = np.array([[-1000.0, -160.5, 40.0, 239.5, 3000.0]], dtype=np.float32)
    shown = to_8bit(values, _instance(WindowCenter=40, WindowWidth=400))
    assert shown.dtype == np.uint8 and shown.tolist() == [[0, 0, 128, 255, 255]]
    inverted = to_8bit(values, _instance(WindowCenter=40, WindowWidth=400, PhotometricInterpretation="MONOCHROME1"))
    assert inverted.tolist() == [[255, 255, 127, 0, 0]]
    assert to_8bit(np.full((2, 2), 7.0), _instance()).tolist() == [[0, 0], [0, 0]]
    ramp = to_8bit(np.arange(1000, dtype=np.float64).reshape(10, 100), _instance())
    assert (ramp.min(), ramp.max()) == (0, 255)  # no window: the 0.5-99.5 percentile range


def test_the_validators_output_makes_a_verdict(tmp_path: Path) -> None:
    from healthimaging_client.cli._validator import Verdict, verdict

    path = tmp_path / "x.dcm"
    path.write_bytes(b"")
    clean = verdict(path, "CTImage\nWarning - attribute <Laterality>\nWarning - other\n")
    assert (clean.verdict, clean.errors, clean.warnings) == (Verdict.VALID, (), 2)
    found = verdict(path, "Error - Missing attribute Type 1 <ImageType>\nWarning - w\n")
    assert (found.verdict, found.errors) == (Verdict.INVALID, ("Error - Missing attribute Type 1 <ImageType>",))


def test_an_output_file_is_whole_or_not_there(tmp_path: Path) -> None:
    from healthimaging_client.cli._files import atomic_file

    target = tmp_path / "out.npy"
    with pytest.raises(KeyboardInterrupt), atomic_file(target) as file:
        file.write(b"half")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []
    with atomic_file(target) as file:
        file.write(b"whole")
        assert not target.exists()
    assert target.read_bytes() == b"whole" and list(tmp_path.iterdir()) == [target]
