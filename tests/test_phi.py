"""Patient data and credentials never leak: canaries through every path of every operation, on both clients.

Recognisable fake PHI (patient name and id, accession number, UIDs, DICOM
values in updates and copy subsets, search criteria) and fake credentials are
planted in the requests and in successful responses. Each operation then runs
its success, validation-failure, service-error, unreadable-response and
transport-error paths with every logger at DEBUG; the transport failures both
mocked and real, over loopback sockets with each transport (DNS failure,
refused, reset, timeout, a body cut short, a malformed answer). No canary may
appear in a log record, a ``repr`` or ``str`` of an input, output, error or
client, or anything an error shows (tests/renderings.py): what it chains and
their requests, ``traceback.format_exception``, and the traceback with every
frame's locals as ``pytest --showlocals`` and ``rich.traceback`` render them.
Error messages from the service carry no canaries: the service cannot echo
what it never saw.
"""

from __future__ import annotations

import gzip
import json
import logging
import re
import shutil
import ssl
import subprocess
import threading
import traceback
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote

import attrs
import botocore.session
import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client._signing import SERVICE_NAME

from . import conftest, network_failures, renderings
from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, OTHER_IMAGE_SET_ID, REGION, Harness
from .faultserver import FaultServer
from .renderings import chained, error_texts

PATIENT_NAME = "ZZCANARY^PATIENTNAME"
PATIENT_ID = "ZZCANARY-PID-4711"
ACCESSION = "ZZCANARY-ACC-0815"
BIRTH_DATE = "19010203"
STUDY_UID = "1.2.826.0.1.99999.8888888"
SERIES_UID = "1.2.826.0.1.99999.7777777"
SOP_UID = "1.2.826.0.1.99999.6666666"
STUDY_DESCRIPTION = "ZZCANARY STUDY OF THE LEFT KNEE"
ACCESS_KEY = "AKIDZZCANARYACCESS01"
SECRET_KEY = "ZZCANARY/secret+key/for+tests+only+000000"
SESSION_TOKEN = "ZZCANARY-session-token-for-tests-only"

PHI = (PATIENT_NAME, PATIENT_ID, ACCESSION, BIRTH_DATE, STUDY_UID, SERIES_UID, SOP_UID, STUDY_DESCRIPTION)
SECRETS = (SECRET_KEY, SESSION_TOKEN, ACCESS_KEY)
CANARIES = (*PHI, *SECRETS, "ZZCANARY")

LOGGERS = ("", "healthimaging_client", "botocore", "botocore.auth", "httpx", "httpcore", "tenacity", "respx")

SV = hic.SearchByAttributeValue
FILTERS = [
    hic.SearchFilter(values=[SV(dicom_patient_id=PATIENT_ID)], operator=hic.Operator.EQUAL),
    hic.SearchFilter(
        values=[
            SV(dicom_study_date_and_time=hic.DICOMStudyDateAndTime(dicom_study_date=BIRTH_DATE)),
            SV(dicom_study_date_and_time=hic.DICOMStudyDateAndTime(dicom_study_date="20991231")),
        ],
        operator=hic.Operator.BETWEEN,
    ),
]
UPDATES = hic.DICOMUpdates(
    updatable_attributes={"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": PATIENT_NAME}}},
    removable_attributes={"SchemaVersion": 1.1, "Study": {"DICOM": {"StudyDescription": STUDY_DESCRIPTION}}},
)
COPY_SUBSET = {"SchemaVersion": "1.1", "Study": {"Series": {SERIES_UID: {"Instances": {SOP_UID: {}}}}}}
INPUTS: tuple[object, ...] = (*FILTERS, UPDATES)


#: One botocore session for all clients here: it only supplies defaults, and building one per client is slow.
SESSION = botocore.session.Session()


def credentials(**overrides: Any) -> dict[str, Any]:
    """Client arguments with the canary credentials (the harness adds region and tiny retry delays)."""
    kwargs: dict[str, Any] = {
        "aws_access_key_id": ACCESS_KEY,
        "aws_secret_access_key": SECRET_KEY,
        "aws_session_token": SESSION_TOKEN,
        "botocore_session": SESSION,
    }
    kwargs.update(overrides)
    return kwargs


# --- the operations, called well and badly ------------------------------------------

CALLS: dict[str, Callable[[Any], Any]] = {
    "SearchImageSets": lambda c: c.search_image_sets(
        DATASTORE_ID, filters=FILTERS, sort=hic.Sort(sort_order="ASC", sort_field="DICOMStudyDateAndTime")
    ),
    "GetImageSetMetadata": lambda c: c.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, version_id=1),
    "ListImageSetVersions": lambda c: c.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID),
    "UpdateImageSetMetadata": lambda c: c.update_image_set_metadata(
        DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, updates=UPDATES
    ),
    "CopyImageSet": lambda c: c.copy_image_set(
        DATASTORE_ID,
        IMAGE_SET_ID,
        source_latest_version_id=1,
        copiable_attributes=COPY_SUBSET,
        destination_image_set_id=OTHER_IMAGE_SET_ID,
        destination_latest_version_id=2,
    ),
}

#: The datastore, import-job and tag operations: no patient data in their requests, but the same
#: credentials in their headers, and the same send loop.
ROLE = "arn:aws:iam::123456789012:role/ImportRole"
RESOURCE = f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{DATASTORE_ID}"
RESOURCE_CALLS: dict[str, Callable[[Any], Any]] = {
    "CreateDatastore": lambda c: c.create_datastore(datastore_name="canary-store"),
    "GetDatastore": lambda c: c.get_datastore(DATASTORE_ID),
    "ListDatastores": lambda c: c.list_datastores(),
    "DeleteDatastore": lambda c: c.delete_datastore(DATASTORE_ID),
    "StartDICOMImportJob": lambda c: c.start_dicom_import_job(
        DATASTORE_ID, data_access_role_arn=ROLE, input_s3_uri="s3://bucket/in/", output_s3_uri="s3://bucket/out/"
    ),
    "GetDICOMImportJob": lambda c: c.get_dicom_import_job(DATASTORE_ID, "job1"),
    "ListDICOMImportJobs": lambda c: c.list_dicom_import_jobs(DATASTORE_ID),
    "TagResource": lambda c: c.tag_resource(RESOURCE, tags={"team": "imaging"}),
    "UntagResource": lambda c: c.untag_resource(RESOURCE, tag_keys=["team"]),
    "ListTagsForResource": lambda c: c.list_tags_for_resource(RESOURCE),
}

#: Inputs that break the rules while carrying canaries (a user who put PHI in the wrong place).
INVALID_CALLS: dict[str, Callable[[Any], Any]] = {
    "SearchImageSets": lambda c: c.search_image_sets(
        PATIENT_ID,
        filters=[
            hic.SearchFilter(
                values=[SV(dicom_patient_id=PATIENT_ID, dicom_accession_number=ACCESSION)], operator="EQUAL"
            ),
            hic.SearchFilter(values=[SV(dicom_study_instance_uid=PATIENT_NAME)], operator="EQUAL"),
            hic.SearchFilter(values=[SV(dicom_patient_id=PATIENT_ID * 40)], operator=STUDY_DESCRIPTION),
        ],
        next_token=PATIENT_NAME + "\u00e9",
    ),
    "GetImageSetMetadata": lambda c: c.get_image_set_metadata(PATIENT_ID, ACCESSION, version_id=PATIENT_NAME),
    "ListImageSetVersions": lambda c: c.list_image_set_versions(
        DATASTORE_ID, f"../{PATIENT_ID}", max_results=len(PATIENT_ID) * 1000
    ),
    "UpdateImageSetMetadata": lambda c: c.update_image_set_metadata(
        DATASTORE_ID,
        IMAGE_SET_ID,
        latest_version_id=PATIENT_ID,
        updates=hic.DICOMUpdates(
            updatable_attributes=f"PatientName={PATIENT_NAME}", removable_attributes=f'["{ACCESSION}"]'
        ),
    ),
    "CopyImageSet": lambda c: c.copy_image_set(
        DATASTORE_ID,
        f"{IMAGE_SET_ID}/{PATIENT_ID}",
        source_latest_version_id=1,
        copiable_attributes=f"Study={SERIES_UID}, PatientName={PATIENT_NAME}",
        destination_image_set_id=ACCESSION,
        destination_latest_version_id=BIRTH_DATE + "x",
    ),
}

_TAGS = {
    "DICOMPatientName": PATIENT_NAME,
    "DICOMPatientId": PATIENT_ID,
    "DICOMPatientBirthDate": BIRTH_DATE,
    "DICOMAccessionNumber": ACCESSION,
    "DICOMStudyInstanceUID": STUDY_UID,
    "DICOMStudyDescription": STUDY_DESCRIPTION,
    "DICOMSeriesInstanceUID": SERIES_UID,
}
METADATA = {
    "SchemaVersion": "1.1",
    "DatastoreID": DATASTORE_ID,
    "ImageSetID": IMAGE_SET_ID,
    "Patient": {"DICOM": {"PatientName": PATIENT_NAME, "PatientID": PATIENT_ID, "PatientBirthDate": BIRTH_DATE}},
    "Study": {
        "DICOM": {"StudyInstanceUID": STUDY_UID, "AccessionNumber": ACCESSION},
        "Series": {SERIES_UID: {"DICOM": {}, "Instances": {SOP_UID: {"DICOM": {}}}}},
    },
}
_WRITE = {"datastoreId": DATASTORE_ID, "imageSetId": IMAGE_SET_ID, "latestVersionId": "2", "imageSetState": "LOCKED"}
_COPY_SIDE = {"imageSetId": IMAGE_SET_ID, "latestVersionId": "2", "imageSetState": "LOCKED"}
SUCCESS_BODIES: dict[str, bytes] = {
    "SearchImageSets": json.dumps(
        {"imageSetsMetadataSummaries": [{"imageSetId": IMAGE_SET_ID, "version": 1, "DICOMTags": _TAGS}]}
    ).encode(),
    "GetImageSetMetadata": gzip.compress(json.dumps(METADATA).encode()),
    "ListImageSetVersions": json.dumps(
        {"imageSetPropertiesList": [{"imageSetId": IMAGE_SET_ID, "versionId": "1", "imageSetState": "ACTIVE"}]}
    ).encode(),
    "UpdateImageSetMetadata": json.dumps(_WRITE).encode(),
    "CopyImageSet": json.dumps(
        {
            "datastoreId": DATASTORE_ID,
            "sourceImageSetProperties": _COPY_SIDE,
            "destinationImageSetProperties": {**_COPY_SIDE, "imageSetId": OTHER_IMAGE_SET_ID},
        }
    ).encode(),
}
#: 200 responses the SDK cannot read, holding PHI: a cut-off document, and a value of the wrong type.
UNREADABLE_BODIES: dict[str, bytes] = {
    "SearchImageSets": b'{"imageSetsMetadataSummaries": [{"DICOMTags": {"DICOMPatientName": "' + PATIENT_NAME.encode(),
    "GetImageSetMetadata": gzip.compress(json.dumps(METADATA).encode())[:-9],
    "ListImageSetVersions": json.dumps({"imageSetPropertiesList": [{"imageSetId": {"name": PATIENT_NAME}}]}).encode(),
    "UpdateImageSetMetadata": json.dumps({**_WRITE, "createdAt": PATIENT_NAME}).encode(),
    "CopyImageSet": json.dumps([PATIENT_NAME, ACCESSION]).encode(),
}


def success_response(operation: str) -> httpx.Response:
    headers = {"x-amzn-RequestId": "req-ok-1", "Content-Type": "application/json"}
    if operation == "GetImageSetMetadata":
        headers["Content-Encoding"] = "gzip"
    return httpx.Response(200, headers=headers, content=SUCCESS_BODIES[operation])


ERROR_RESPONSES: dict[str, Callable[[], httpx.Response]] = {
    "400 with a message": lambda: httpx.Response(
        400,
        headers={"x-amzn-ErrorType": "ValidationException", "x-amzn-RequestId": "req-err-400"},
        json={"message": "1 validation error detected"},
    ),
    "409 with an empty body": lambda: httpx.Response(409, headers={"x-amzn-RequestId": "req-err-409"}),
    "500, retried until given up": lambda: httpx.Response(500, headers={"x-amzn-RequestId": "req-err-500"}),
    "403 as an HTML page": lambda: httpx.Response(403, html="<html><body>Forbidden</body></html>"),
}

TRANSPORT_ERRORS: dict[str, type[httpx.HTTPError]] = {
    "connect": httpx.ConnectError,
    "read timeout": httpx.ReadTimeout,
    "cut off": httpx.RemoteProtocolError,
}


# --- what the SDK shows the world -----------------------------------------------


@pytest.fixture
def debug_logs(caplog: pytest.LogCaptureFixture) -> pytest.LogCaptureFixture:
    """Every logger at DEBUG: the root (so loggers made later inherit it), those named, and every one there is."""
    import aiohttp  # noqa: F401  # their loggers exist from here on
    import botocore.credentials  # noqa: F401
    import httpx_aiohttp  # noqa: F401

    for name in {*LOGGERS, *logging.root.manager.loggerDict}:
        caplog.set_level(logging.DEBUG, logger=name or None)
    return caplog


def record_texts(records: Iterable[logging.LogRecord]) -> Iterator[str]:
    formatter = logging.Formatter()
    for record in records:
        yield record.getMessage()
        yield str(record.msg)
        yield repr(record.args)
        if record.exc_info:
            yield formatter.formatException(record.exc_info)


def signatures(router: respx.MockRouter) -> list[str]:
    """The signatures the SDK sent: secret-derived, so they must not show anywhere else either."""
    found = []
    for call in router.calls:
        match = re.search(r"Signature=([0-9a-f]{64})", call.request.headers.get("authorization", ""))
        assert match, "every request is signed"
        found.append(match.group(1))
    return found


def assert_no_canary(texts: Iterable[str], extra: Iterable[str] = ()) -> None:
    canaries = (*CANARIES, *extra)
    leaks = [(canary, text[:300]) for text in texts for canary in canaries if canary in text]
    assert leaks == []


def run(sdk: Harness, client: Any, call: Callable[[Any], Any]) -> tuple[Any, BaseException | None]:
    try:
        return sdk.run(call(client)), None
    except hic.HealthImagingError as exc:
        return None, exc


@attrs.frozen
class Exchange:
    result: Any
    error: BaseException | None
    #: Everything the SDK showed: log records, reprs and strs of client, inputs, output and error, the traceback.
    texts: list[str]
    #: The signatures of the requests sent (secret-derived: they must not show either).
    signatures: list[str]
    sent: int


def exchange(sdk: Harness, logs: pytest.LogCaptureFixture, call: Callable[[Any], Any], **mock: Any) -> Exchange:
    """Run one call against a respx route answering with ``mock``; collect what the SDK showed."""
    client = sdk.client(**credentials())
    with respx.mock(assert_all_called=False) as router:
        route = router.post(url__startswith=ENDPOINT).mock(**mock)
        result, exc = run(sdk, client, call)
    texts = [*record_texts(logs.records), repr(client), str(client), repr(result), str(result)]
    texts += [repr(value) for value in INPUTS] + [str(value) for value in INPUTS]
    if exc is not None:
        texts += error_texts(exc)
    return Exchange(result, exc, texts, signatures(router), route.call_count)


def test_the_renderings_see_what_a_frame_holds() -> None:
    """The control: a frame that holds a secret in a local, or inside a named tuple, shows it in both renderings."""
    from botocore.credentials import ReadOnlyCredentials

    from healthimaging_client._masking import Masked

    # Compiled as if it lived outside tests/, whose own frames the renderings leave out (they are the user's).
    namespace: dict[str, Any] = {}
    source = "def leaky(plain, nested, masked):\n    raise ValueError('nothing in the message')\n"
    exec(compile(source, "/elsewhere/leaky.py", "exec"), namespace)
    leaky = namespace["leaky"]

    with pytest.raises(ValueError) as caught:
        leaky(PATIENT_NAME, {"k": ReadOnlyCredentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN)}, Masked(PATIENT_ID, "x"))
    pytest_view = renderings.with_pytest_locals(caught.value)
    rich_view = renderings.with_rich_locals(caught.value)
    for view in (pytest_view, rich_view):
        assert PATIENT_NAME in view and SECRET_KEY in view and SESSION_TOKEN in view
        assert PATIENT_ID not in view and "<masked x>" in view


# --- the canary matrix ------------------------------------------------------------


@pytest.mark.parametrize("operation", list(CALLS))
def test_success_shows_no_canary(sdk: Harness, debug_logs: pytest.LogCaptureFixture, operation: str) -> None:
    done = exchange(sdk, debug_logs, CALLS[operation], return_value=success_response(operation))
    assert done.error is None
    assert_no_canary(done.texts, done.signatures)
    logged = f"{operation} -> HTTP 200 (request id req-ok-1, attempt 1"
    assert any(logged in t for t in done.texts), "the attempt is logged"
    if operation == "SearchImageSets":
        assert done.result.image_sets_metadata_summaries[0].dicom_tags.dicom_patient_name == PATIENT_NAME
    if operation == "GetImageSetMetadata":
        assert done.result["Patient"]["DICOM"]["PatientName"] == PATIENT_NAME


@pytest.mark.parametrize("operation", list(INVALID_CALLS))
def test_validation_failure_shows_no_canary(sdk: Harness, debug_logs: pytest.LogCaptureFixture, operation: str) -> None:
    done = exchange(sdk, debug_logs, INVALID_CALLS[operation], return_value=success_response(operation))
    assert isinstance(done.error, hic.ParamValidationError)
    assert done.sent == 0
    assert len(done.error.problems) >= 2, done.error.problems
    assert_no_canary([*done.texts, *done.error.problems])


@pytest.mark.parametrize("error", list(ERROR_RESPONSES))
@pytest.mark.parametrize("operation", list(CALLS))
def test_service_error_shows_no_canary(
    sdk: Harness, debug_logs: pytest.LogCaptureFixture, operation: str, error: str
) -> None:
    done = exchange(sdk, debug_logs, CALLS[operation], side_effect=lambda request: ERROR_RESPONSES[error]())
    exc = done.error
    assert isinstance(exc, hic.ServiceError)
    assert exc.operation == operation
    assert_no_canary(done.texts, done.signatures)
    assert f"HTTP {exc.status_code}" in str(exc)
    if exc.request_id:
        assert exc.request_id in str(exc) and exc.request_id in repr(exc)


@pytest.mark.parametrize("operation", list(CALLS))
def test_unreadable_response_shows_no_canary(
    sdk: Harness, debug_logs: pytest.LogCaptureFixture, operation: str
) -> None:
    response = httpx.Response(200, headers={"x-amzn-RequestId": "req-bad"}, content=UNREADABLE_BODIES[operation])
    done = exchange(sdk, debug_logs, CALLS[operation], return_value=response)
    assert isinstance(done.error, hic.InvalidResponseError)
    assert_no_canary(done.texts, done.signatures)


@pytest.mark.parametrize("failure", list(TRANSPORT_ERRORS))
@pytest.mark.parametrize("operation", list(CALLS))
def test_transport_error_shows_no_canary(
    sdk: Harness, debug_logs: pytest.LogCaptureFixture, operation: str, failure: str
) -> None:
    done = exchange(sdk, debug_logs, CALLS[operation], side_effect=TRANSPORT_ERRORS[failure]("the peer went away"))
    assert isinstance(done.error, hic.TransportError)
    assert done.error.attempts == done.sent == 3
    assert_no_canary(done.texts, done.signatures)
    failed = [t for t in done.texts if f"{operation} -> {TRANSPORT_ERRORS[failure].__name__}, failed" in t]
    assert len(failed) == 3, "each failed attempt is logged"


@pytest.fixture(scope="module")
def fault_server() -> Iterator[FaultServer]:
    server = FaultServer().start()
    yield server
    server.stop()


@pytest.mark.parametrize("transport", network_failures.TRANSPORTS)
@pytest.mark.parametrize("failure", list(network_failures.FAILURES))
def test_a_real_transport_failure_shows_no_canary(
    debug_logs: pytest.LogCaptureFixture,
    monkeypatch: pytest.MonkeyPatch,
    fault_server: FaultServer,
    failure: str,
    transport: str,
) -> None:
    """Over real sockets, every operation meets the failure with each transport; the requests carry canaries.

    Here the transport's own exceptions hold the request (the security token and signature in its
    headers, patient data in its body), and AsyncClient's aiohttp frames hold them as locals.
    """
    staged = network_failures.FAILURES[failure]
    harness = Harness("sync" if transport == "sync" else "async")
    try:
        with network_failures.staged(staged, fault_server, monkeypatch) as url:
            client, http = network_failures.client(harness, transport, url, **credentials())
            for operation, call in {**CALLS, **RESOURCE_CALLS}.items():
                _, exc = run(harness, client, call)
                assert isinstance(exc, staged.error), (operation, repr(exc))
                assert exc.attempts == 3 and exc.operation == operation
                # Nothing of the transport's is chained: a value-free summary stands in for it.
                assert all(isinstance(e, hic.CauseSummary) for e in chained(exc)[1:]), chained(exc)
                assert_no_canary([*error_texts(exc), *record_texts(debug_logs.records)], fault_server.signatures())
            if http is not None:
                harness.run(http.aclose())
    finally:
        harness.close()


# --- the body switch ----------------------------------------------------------------


def test_bodies_are_logged_only_with_the_switch_which_warns(sdk: Harness, debug_logs: pytest.LogCaptureFixture) -> None:
    with pytest.warns(UserWarning, match="patient data") as warned:
        client = sdk.client(**credentials(log_bodies=True))
    assert [w.filename for w in warned] == [conftest.__file__], "once, pointing at the caller's line"
    with respx.mock() as router:
        router.post(url__startswith=ENDPOINT).mock(return_value=success_response("UpdateImageSetMetadata"))
        sdk.run(CALLS["UpdateImageSetMetadata"](client))
        router.post(url__startswith=ENDPOINT).mock(return_value=success_response("SearchImageSets"))
        sdk.run(CALLS["SearchImageSets"](client))
    bodies = [r.getMessage() for r in debug_logs.records if r.name == "healthimaging_client.bodies"]
    assert any(PATIENT_ID in b for b in bodies), "the search criteria are logged"
    assert any(PATIENT_NAME in b for b in bodies), "the response's DICOM tags are logged"
    assert any("updatableAttributes" in b for b in bodies), "the update request is logged"
    # Credentials and signatures stay out even then.
    texts = list(record_texts(debug_logs.records))
    assert [s for s in (*SECRETS, *signatures(router)) if any(s in t for t in texts)] == []


def test_without_the_switch_nothing_warns(sdk: Harness, recwarn: pytest.WarningsRecorder) -> None:
    sdk.client(**credentials())
    assert [w for w in recwarn if "patient data" in str(w.message)] == []


# --- credentials ------------------------------------------------------------------


def test_botocore_signer_logs_secrets_when_not_called_through_the_sdk(debug_logs: pytest.LogCaptureFixture) -> None:
    """The control: botocore.auth does log the token and signature, and our capture sees it."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import Credentials

    request = AWSRequest(method="POST", url=f"{ENDPOINT}/x", data=b"{}")
    SigV4Auth(Credentials(ACCESS_KEY, SECRET_KEY, SESSION_TOKEN), SERVICE_NAME, REGION).add_auth(request)
    signature = request.headers["Authorization"].rsplit("Signature=", 1)[1]
    logged = "\n".join(record_texts(debug_logs.records))
    assert SESSION_TOKEN in logged
    assert signature in logged


def test_the_sdk_silences_the_signer_only_while_it_signs(sdk: Harness, debug_logs: pytest.LogCaptureFixture) -> None:
    client = sdk.client(**credentials())
    with respx.mock() as router:
        router.post(url__startswith=ENDPOINT).mock(return_value=success_response("ListImageSetVersions"))
        sdk.run(CALLS["ListImageSetVersions"](client))
    assert not [r for r in debug_logs.records if r.name == "botocore.auth"]
    logging.getLogger("botocore.auth").debug("after the call")
    assert [r.getMessage() for r in debug_logs.records if r.name == "botocore.auth"] == ["after the call"]


def test_clients_show_no_credentials(sdk: Harness) -> None:
    client = sdk.client(**credentials(endpoint_url="http://127.0.0.1:9"))
    view = client.with_options(timeout=5)
    texts = [repr(client), str(client), repr(view), repr(vars(client).get("_signer"))]
    assert_no_canary(texts)
    assert "127.0.0.1:9" in repr(client)


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        (f"https://user:{quote(SECRET_KEY, safe='')}@proxy.example:8443", "must not carry a user name or password"),
        ("https://user@proxy.example", "must not carry a user name or password"),
        (
            f"https://user:{SECRET_KEY}@proxy.example",
            "has a port that is not a number from 0 to 65535",
        ),  # an unquoted "/" ends the host
    ],
)
def test_an_endpoint_carrying_a_password_is_refused_without_echoing_it(
    sdk: Harness, endpoint: str, problem: str
) -> None:
    with pytest.raises(hic.ParamValidationError) as caught:
        sdk.client(**credentials(endpoint_url=endpoint))
    assert caught.value.problems == [f"endpoint_url: {problem}"]
    assert_no_canary(error_texts(caught.value), [quote(SECRET_KEY, safe="")])


def test_a_credentials_failure_shows_no_secret(sdk: Harness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A credential process that fails, printing a secret: the error names the provider, not the output."""
    config = tmp_path / "config"
    config.write_text(f'[default]\ncredential_process = sh -c "echo {SECRET_KEY} >&2; exit 1"\n')
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    client = sdk.client(aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None)
    with respx.mock(assert_all_called=False) as router:
        route = router.route().mock(return_value=httpx.Response(200))
        _, exc = run(sdk, client, CALLS["ListImageSetVersions"])
    assert isinstance(exc, hic.CredentialsError)
    assert route.call_count == 0
    assert "CredentialRetrievalError (provider custom-process)" in str(exc)
    assert_no_canary(error_texts(exc))


# --- identifiers cannot steer the URL -----------------------------------------------

BAD_IDS = [
    "",
    "/" + "a" * 31,
    "a" * 15 + "/" + "a" * 16,
    ".." + "a" * 30,
    "../" * 10 + "aa",
    "%2F" + "a" * 29,
    "%2f" + "a" * 29,
    " " + "a" * 31,
    "a" * 31 + "\n",
    "a" * 31 + "\t",
    "A" * 32,
    "a" * 31,
    "a" * 33,
    "a" * 31 + "?",
    "a" * 31 + "#",
    "\u0661" * 32,  # Arabic-Indic digits: digits to Unicode, not to the service
    "a" * 31 + "\u00e9",
]

PATH_IDS: dict[str, list[tuple[str, Callable[[Any, str], Any]]]] = {
    "SearchImageSets": [("datastore_id", lambda c, bad: c.search_image_sets(bad))],
    "GetImageSetMetadata": [
        ("datastore_id", lambda c, bad: c.get_image_set_metadata(bad, IMAGE_SET_ID)),
        ("image_set_id", lambda c, bad: c.get_image_set_metadata(DATASTORE_ID, bad)),
    ],
    "ListImageSetVersions": [
        ("datastore_id", lambda c, bad: c.list_image_set_versions(bad, IMAGE_SET_ID)),
        ("image_set_id", lambda c, bad: c.list_image_set_versions(DATASTORE_ID, bad)),
    ],
    "UpdateImageSetMetadata": [
        (
            "datastore_id",
            lambda c, bad: c.update_image_set_metadata(bad, IMAGE_SET_ID, latest_version_id=1, updates=UPDATES),
        ),
        (
            "image_set_id",
            lambda c, bad: c.update_image_set_metadata(DATASTORE_ID, bad, latest_version_id=1, updates=UPDATES),
        ),
    ],
    "CopyImageSet": [
        ("datastore_id", lambda c, bad: c.copy_image_set(bad, IMAGE_SET_ID, source_latest_version_id=1)),
        ("source_image_set_id", lambda c, bad: c.copy_image_set(DATASTORE_ID, bad, source_latest_version_id=1)),
        (
            "destination_image_set_id",
            lambda c, bad: c.copy_image_set(
                DATASTORE_ID,
                IMAGE_SET_ID,
                source_latest_version_id=1,
                destination_image_set_id=bad,
                destination_latest_version_id=1,
            ),
        ),
    ],
}


@pytest.mark.parametrize(
    ("field", "call"),
    [pytest.param(field, call, id=f"{op}.{field}") for op, calls in PATH_IDS.items() for field, call in calls],
)
def test_a_bad_identifier_is_rejected_before_any_request(
    sdk: Harness, field: str, call: Callable[[Any, str], Any]
) -> None:
    client = sdk.client(**credentials())
    with respx.mock(assert_all_called=False) as router:
        route = router.route().mock(return_value=httpx.Response(200, json={}))
        for bad in BAD_IDS:
            with pytest.raises(hic.ParamValidationError) as caught:
                sdk.run(call(client, bad))
            assert any(p.startswith(f"{field}:") for p in caught.value.problems), (bad, caught.value.problems)
        assert route.call_count == 0
        # The control: the same call with a good id does go out.
        run(sdk, client, lambda c: call(c, OTHER_IMAGE_SET_ID))
        assert route.call_count == 1


# --- over real sockets: TLS on by default, plain http allowed for emulators -----------


class _Service(BaseHTTPRequestHandler):
    """Answers each operation's path with its canned success body."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        operation = next(op for op, suffix in _SUFFIXES.items() if self.path.split("?")[0].endswith(suffix))
        body = SUCCESS_BODIES[operation]
        self.send_response(200)
        self.send_header("x-amzn-RequestId", "req-ok-1")
        self.send_header("Content-Type", "application/json")
        if operation == "GetImageSetMetadata":
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


_SUFFIXES = {
    "SearchImageSets": "/searchImageSets",
    "GetImageSetMetadata": "/getImageSetMetadata",
    "ListImageSetVersions": "/listImageSetVersions",
    "UpdateImageSetMetadata": "/updateImageSetMetadata",
    "CopyImageSet": "/copyImageSet",
}


@contextmanager
def serve(tls: ssl.SSLContext | None = None) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Service)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def self_signed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a throwaway certificate")
    where = tmp_path_factory.mktemp("tls")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"),
            *("-keyout", str(key), "-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"),
            *("-addext", "subjectAltName=IP:127.0.0.1"),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_plain_http_endpoint_works_and_logs_no_canary(sdk: Harness, debug_logs: pytest.LogCaptureFixture) -> None:
    """All five operations over a real socket, so httpx's and httpcore's own DEBUG logging is in the capture too."""
    with serve() as url:
        client = sdk.client(**credentials(endpoint_url=url))
        results = [sdk.run(call(client)) for call in CALLS.values()]
    assert results[0].image_sets_metadata_summaries[0].dicom_tags.dicom_patient_id == PATIENT_ID
    # AsyncClient's default transport is aiohttp-backed, which does not log; httpx's client does.
    transport_logger = "httpcore" if sdk.kind == "sync" else "httpx"
    assert any(r.name.startswith(transport_logger) for r in debug_logs.records), "the transport's logging is captured"
    assert_no_canary([*record_texts(debug_logs.records), *map(repr, results), *map(str, results)])


def test_tls_is_verified_by_default(sdk: Harness, self_signed: tuple[Path, Path]) -> None:
    cert, key = self_signed
    server_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_tls.load_cert_chain(cert, key)
    with serve(server_tls) as url:
        client = sdk.client(**credentials(endpoint_url=url))
        _, exc = run(sdk, client, CALLS["ListImageSetVersions"])
        assert isinstance(exc, hic.ConnectError)
        assert "CERTIFICATE_VERIFY_FAILED" in "".join(traceback.format_exception(exc))
        # The control: trusting the throwaway certificate explicitly, the same server answers.
        trusting = ssl.create_default_context(cafile=str(cert))
        http = httpx.AsyncClient(verify=trusting) if sdk.kind == "async" else httpx.Client(verify=trusting)
        trusted = sdk.client(**credentials(endpoint_url=url, http_client=http))
        output = sdk.run(CALLS["ListImageSetVersions"](trusted))
        sdk.run(http.aclose() if isinstance(http, httpx.AsyncClient) else http.close())
    assert output.image_set_properties_list[0].image_set_id == IMAGE_SET_ID


def test_built_requests_keep_their_bodies_out_of_repr() -> None:
    """A ``Call`` holds the request body (criteria, updates, copy subsets): its repr gives only the size."""
    from healthimaging_client import _operations as ops

    calls = [
        ops.search_image_sets(DATASTORE_ID, filters=FILTERS, sort=None, max_results=None, next_token=None),
        ops.update_image_set_metadata(
            DATASTORE_ID,
            IMAGE_SET_ID,
            latest_version_id=1,
            updates=UPDATES,
            revert_to_version_id=None,
            force=None,
            include_study_image_sets=None,
        ),
        ops.copy_image_set(
            DATASTORE_ID,
            IMAGE_SET_ID,
            source_latest_version_id=1,
            copiable_attributes=COPY_SUBSET,
            destination_image_set_id=None,
            destination_latest_version_id=None,
            force=None,
            promote_to_primary=None,
        ),
    ]
    assert PATIENT_ID.encode() in (calls[0].body or b"") and SERIES_UID.encode() in (calls[2].body or b"")
    assert_no_canary(repr(call) for call in calls)
    assert f"<{len(calls[0].body or b'')} bytes>" in repr(calls[0])


def test_the_emulator_path_shows_no_canary(sdk: Harness, debug_logs: pytest.LogCaptureFixture) -> None:
    """Against the emulator, holding canary PHI: five operations and two errors it raises itself."""
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=7)
    image_set_id = local.add_image_set(
        patient={"PatientName": PATIENT_NAME, "PatientID": PATIENT_ID, "PatientBirthDate": BIRTH_DATE},
        study={"AccessionNumber": ACCESSION, "StudyInstanceUID": STUDY_UID, "StudyDescription": STUDY_DESCRIPTION},
        series=[{"SeriesInstanceUID": SERIES_UID}],
    )
    http = (
        httpx.AsyncClient(transport=local.transport) if sdk.kind == "async" else httpx.Client(transport=local.transport)
    )
    client = sdk.client(**local.client_config(), http_client=http)
    datastore = local.datastore_id
    subset = {"SchemaVersion": "1.1", "Study": {"Series": {SERIES_UID: {"Instances": {}}}}}
    wrong_removal = hic.DICOMUpdates(
        removable_attributes={
            "SchemaVersion": 1.1,
            "Study": {"Series": {SERIES_UID: {"DICOM": {"Modality": "ZZCANARY"}}}},
        }
    )
    calls: list[Callable[[Any], Any]] = [
        lambda c: c.search_image_sets(datastore, filters=[FILTERS[0]]),
        lambda c: c.get_image_set_metadata(datastore, image_set_id),
        lambda c: c.list_image_set_versions(datastore, image_set_id),
        lambda c: c.update_image_set_metadata(datastore, image_set_id, latest_version_id=1, updates=UPDATES),
        lambda c: c.update_image_set_metadata(datastore, image_set_id, latest_version_id=1, updates=UPDATES),
        lambda c: c.update_image_set_metadata(datastore, image_set_id, latest_version_id=2, updates=wrong_removal),
        lambda c: c.copy_image_set(datastore, image_set_id, source_latest_version_id=2, copiable_attributes=subset),
    ]
    texts: list[str] = []
    outcomes: list[str] = []
    for call in calls:
        result, exc = run(sdk, client, call)
        outcomes.append(type(exc).__name__ if exc else "ok")
        texts += [repr(result), str(result), *(error_texts(exc) if exc else [])]
    pages = sdk.collect(client.iter_image_set_pages(datastore, filters=[FILTERS[0]]))
    assert pages[0].items[0].dicom_tags.dicom_patient_name == PATIENT_NAME
    texts += [repr(pages), str(pages)]
    sdk.run(http.aclose() if isinstance(http, httpx.AsyncClient) else http.close())
    # The update applies; repeating it is stale; a removal that does not repeat the value is refused.
    assert outcomes == ["ok", "ok", "ok", "ok", "ConflictException", "ValidationException", "ok"]
    assert_no_canary([*texts, *record_texts(debug_logs.records)])
