"""A write is never applied twice by a retry (issue 13, defect 1).

What a retry may do is part of each operation's definition (``Call.retry_safety``).
A copy into a new image set is guarded by nothing, so after a failure whose
outcome is unclear (a response cut short, a reset after the request, a read
timeout, a 500/502/504) it is not retried: the call ends in a typed error that
says ``may_have_applied``. It is retried when the request provably never
reached the service (no connection, 429, 503). Writes guarded by version ids
keep retrying as before. Staged on a raw-socket server, for both clients and
each async transport (the ``faulty`` fixture of test_faults).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest

import healthimaging_client as hic
from healthimaging_client import _operations as ops
from healthimaging_client._operations import Call, Operation, RetrySafety
from healthimaging_client._retry import AttemptLog, is_retryable, may_have_reached_service
from healthimaging_client._wire.bodies import reader

from .conftest import DATASTORE_ID, IMAGE_SET_ID, OTHER_IMAGE_SET_ID, Faulty, Harness
from .faultserver import FaultServer, Step, reply, reply_json, reset, stall, truncated
from .test_async_transport import _closed_port

COPY_OK = {
    "datastoreId": DATASTORE_ID,
    "sourceImageSetProperties": {"imageSetId": IMAGE_SET_ID, "latestVersionId": "2", "imageSetState": "LOCKED"},
    "destinationImageSetProperties": {"imageSetId": OTHER_IMAGE_SET_ID, "latestVersionId": "1"},
}
UPDATE_OK = {
    "datastoreId": DATASTORE_ID,
    "imageSetId": IMAGE_SET_ID,
    "latestVersionId": "4",
    "imageSetState": "LOCKED",
    "imageSetWorkflowStatus": "UPDATING",
}


def _copy_to_new(faulty: Faulty) -> Any:
    return faulty.harness.run(faulty.client.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=2))


def _copy_to_existing(faulty: Faulty) -> Any:
    return faulty.harness.run(
        faulty.client.copy_image_set(
            DATASTORE_ID,
            IMAGE_SET_ID,
            source_latest_version_id=2,
            destination_image_set_id=OTHER_IMAGE_SET_ID,
            destination_latest_version_id=1,
        )
    )


def _update(faulty: Faulty) -> Any:
    return faulty.harness.run(
        faulty.client.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=3, revert_to_version_id=1)
    )


UNCLEAR: dict[str, tuple[Step, type[hic.HealthImagingError]]] = {
    "body-cut-short": (truncated(200, b'{"datastoreId": ', 512), hic.TransportError),
    "reset-after-the-request": (reset(), hic.TransportError),
    "read-timeout": (stall(30.0, reply_json(200, COPY_OK)), hic.TimeoutError),
    "500": (reply_json(500, {"message": "oops"}, {"x-amzn-ErrorType": "InternalServerException"}), hic.ServiceError),
    "502": (reply(502, b"<html>Bad Gateway</html>", {"Content-Type": "text/html"}), hic.ServiceError),
    "504": (reply(504, b"", {"Content-Type": "text/html"}), hic.ServiceError),
}


@pytest.mark.parametrize("failure", UNCLEAR.values(), ids=UNCLEAR.keys())
def test_a_copy_to_a_new_image_set_is_sent_once_after_an_unclear_failure(
    faulty: Faulty, server: FaultServer, failure: tuple[Step, type[hic.HealthImagingError]]
) -> None:
    step, raises = failure
    server.script(step, reply_json(200, COPY_OK))  # a retry would succeed, and make a second copy
    with pytest.raises(hic.HealthImagingError) as caught:
        _copy_to_new(faulty)
    error = caught.value
    assert isinstance(error, raises), repr(error)
    assert len(server.requests) == 1
    assert error.attempts == 1 and faulty.slept == []
    assert error.may_have_applied
    assert error.operation == "CopyImageSet"
    assert "may have been applied" in str(error)


def test_a_copy_whose_answer_cannot_be_read_says_it_may_have_applied(faulty: Faulty, server: FaultServer) -> None:
    server.script(reply(200, b'{"datastoreId": "'))  # a 2xx: the copy was made, but the answer is unreadable
    with pytest.raises(hic.InvalidResponseError) as caught:
        _copy_to_new(faulty)
    assert caught.value.may_have_applied and len(server.requests) == 1


CLEAR: dict[str, Step] = {
    "throttled": reply_json(429, {"message": "Rate exceeded"}, {"x-amzn-ErrorType": "ThrottlingException"}),
    "unavailable": reply_json(503, {"message": "busy"}, {"x-amzn-ErrorType": "ServiceUnavailableException"}),
}


@pytest.mark.parametrize("refusal", CLEAR.values(), ids=CLEAR.keys())
def test_a_copy_to_a_new_image_set_is_retried_when_it_provably_did_not_reach_the_service(
    faulty: Faulty, server: FaultServer, refusal: Step
) -> None:
    server.script(refusal, reply_json(200, COPY_OK))
    out = _copy_to_new(faulty)
    assert out.destination_image_set_properties.image_set_id == OTHER_IMAGE_SET_ID
    assert len(server.requests) == 2


def test_a_copy_to_a_new_image_set_is_retried_when_no_connection_was_made(sdk: Harness) -> None:
    client = sdk.client(endpoint_url=f"http://127.0.0.1:{_closed_port()}", retry=hic.RetryConfig())
    with pytest.raises(hic.ConnectError) as caught:
        sdk.run(client.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=2))
    assert caught.value.attempts == 3  # every attempt was retried: none can have been applied
    assert not caught.value.may_have_applied
    assert "may have been applied" not in str(caught.value)


GUARDED: dict[str, tuple[Callable[[Faulty], Any], dict[str, Any]]] = {
    "update": (_update, UPDATE_OK),
    "copy-to-an-existing-image-set": (_copy_to_existing, COPY_OK),
}


@pytest.mark.parametrize("write", GUARDED.values(), ids=GUARDED.keys())
def test_writes_guarded_by_version_ids_keep_retrying_after_an_unclear_failure(
    faulty: Faulty, server: FaultServer, write: tuple[Callable[[Faulty], Any], dict[str, Any]]
) -> None:
    send, answer = write
    server.script(truncated(200, b'{"datastoreId": ', 512), reply_json(200, answer))
    send(faulty)
    assert len(server.requests) == 2
    assert server.requests[0].path == server.requests[1].path  # the same version guard both times


def test_a_guarded_write_that_fails_after_an_unclear_attempt_says_it_may_have_applied(
    faulty: Faulty, server: FaultServer
) -> None:
    server.script(reply_json(500, {"message": "oops"}, {"x-amzn-ErrorType": "InternalServerException"}))
    with pytest.raises(hic.InternalServerException) as caught:
        _update(faulty)
    assert caught.value.attempts == 3 and caught.value.may_have_applied


def test_reads_never_say_may_have_applied(faulty: Faulty, server: FaultServer) -> None:
    server.script(reply_json(500, {"message": "oops"}, {"x-amzn-ErrorType": "InternalServerException"}))
    with pytest.raises(hic.InternalServerException) as caught:
        faulty.call("SearchImageSets")
    assert caught.value.attempts == 3 and not caught.value.may_have_applied


# --- the pure policy -------------------------------------------------------------------------


def _error(status: int, code: str = "") -> hic.ServiceError:
    return hic.ServiceError("", operation="CopyImageSet", status_code=status, code=code or f"HTTP{status}")


@pytest.mark.parametrize(
    ("error", "reached"),
    [
        (_error(500), True),
        (_error(502), True),
        (_error(504), True),
        (_error(503), False),
        (_error(429), False),
        (_error(400), False),
        (hic.TransportError("reset"), True),
        (hic.TimeoutError("read timeout"), True),
        (hic.TimeoutError("connect timeout", request_sent=False), False),
        (hic.ConnectError("refused"), False),
        (hic.InvalidResponseError("unreadable 2xx"), True),
        (hic.ClientClosedError("closed"), False),
    ],
    ids=repr,
)
def test_which_failures_leave_the_outcome_unclear(error: hic.HealthImagingError, reached: bool) -> None:
    assert may_have_reached_service(error) is reached
    for safety in RetrySafety:
        log = AttemptLog(_call(safety), credentials_refreshable=True)
        log.failed(error, 1)
        expected = is_retryable(error) and (safety is not RetrySafety.UNGUARDED or not reached)
        assert log.retryable(error) is expected, safety


def _call(safety: RetrySafety) -> Call[Any]:
    return Call(Operation.COPY_IMAGE_SET, "/x", "", b"{}", reader(hic.CopyImageSetOutput), retry_safety=safety)


# --- every operation says what a retry of it may do ----------------------------------------------

ROLE_ARN = "arn:aws:iam::123456789012:role/ImportRole"
RESOURCE_ARN = f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{DATASTORE_ID}"

#: One call of each operation, as its definition builds it: what a retry may do is part of it.
SAMPLES: dict[Operation, tuple[Call[Any], RetrySafety]] = {
    Operation.SEARCH_IMAGE_SETS: (ops.search_image_sets(DATASTORE_ID), RetrySafety.READ),
    Operation.GET_IMAGE_SET_METADATA: (ops.get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID), RetrySafety.READ),
    Operation.LIST_IMAGE_SET_VERSIONS: (ops.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID), RetrySafety.READ),
    Operation.UPDATE_IMAGE_SET_METADATA: (
        ops.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=1, revert_to_version_id=1),
        RetrySafety.VERSION_GUARDED,
    ),
    Operation.COPY_IMAGE_SET: (
        ops.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=1),
        RetrySafety.UNGUARDED,
    ),
    Operation.CREATE_DATASTORE: (ops.create_datastore(datastore_name="research"), RetrySafety.IDEMPOTENT),
    Operation.GET_DATASTORE: (ops.get_datastore(DATASTORE_ID), RetrySafety.READ),
    Operation.LIST_DATASTORES: (ops.list_datastores(), RetrySafety.READ),
    Operation.DELETE_DATASTORE: (ops.delete_datastore(DATASTORE_ID), RetrySafety.IDEMPOTENT),
    Operation.START_DICOM_IMPORT_JOB: (
        ops.start_dicom_import_job(
            DATASTORE_ID,
            data_access_role_arn=ROLE_ARN,
            input_s3_uri="s3://imaging-in/",
            output_s3_uri="s3://imaging-out/",
        ),
        RetrySafety.IDEMPOTENT,
    ),
    Operation.GET_DICOM_IMPORT_JOB: (ops.get_dicom_import_job(DATASTORE_ID, "0" * 32), RetrySafety.READ),
    Operation.LIST_DICOM_IMPORT_JOBS: (ops.list_dicom_import_jobs(DATASTORE_ID), RetrySafety.READ),
    Operation.TAG_RESOURCE: (ops.tag_resource(RESOURCE_ARN, tags={"team": "imaging"}), RetrySafety.IDEMPOTENT),
    Operation.UNTAG_RESOURCE: (ops.untag_resource(RESOURCE_ARN, tag_keys=["team"]), RetrySafety.IDEMPOTENT),
    Operation.LIST_TAGS_FOR_RESOURCE: (ops.list_tags_for_resource(RESOURCE_ARN), RetrySafety.READ),
    Operation.GET_IMAGE_FRAME: (ops.get_image_frame(DATASTORE_ID, IMAGE_SET_ID, "0" * 32), RetrySafety.READ),
    Operation.GET_IMAGE_SET: (ops.get_image_set(DATASTORE_ID, IMAGE_SET_ID), RetrySafety.READ),
    Operation.DELETE_IMAGE_SET: (ops.delete_image_set(DATASTORE_ID, IMAGE_SET_ID), RetrySafety.IDEMPOTENT),
}


#: Operations the emulator serves that have no client method yet: each moves to SAMPLES with its method.
NO_METHOD_YET: set[Operation] = set()


def _method_name(operation: Operation) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", operation.value).lower()


def test_every_operation_says_what_a_retry_of_it_may_do() -> None:
    """A new operation fails here until it has a sample above, and a write until it is more than READ."""
    assert set(SAMPLES) | NO_METHOD_YET == set(Operation), "add a sample call of each new operation"
    for operation in NO_METHOD_YET:
        assert not hasattr(hic.AsyncClient, _method_name(operation)), f"{operation} has a method: add its sample"
    for operation, (call, safety) in SAMPLES.items():
        assert call.operation is operation
        assert call.retry_safety is safety, operation
        is_read = re.match(r"(Get|List|Search)[A-Z]", operation.value) is not None
        assert (safety is RetrySafety.READ) == is_read, f"{operation}: a write must say what a retry may do"


def test_a_copy_into_an_existing_image_set_is_guarded_by_both_versions() -> None:
    call = ops.copy_image_set(
        DATASTORE_ID,
        IMAGE_SET_ID,
        source_latest_version_id=1,
        destination_image_set_id=OTHER_IMAGE_SET_ID,
        destination_latest_version_id=4,
    )
    assert call.retry_safety is RetrySafety.VERSION_GUARDED


# --- writes that carry a clientToken ------------------------------------------------------------


def test_a_call_that_carries_a_client_token_is_idempotent_unless_it_says_otherwise() -> None:
    carried = Call(Operation.CREATE_DATASTORE, "/datastore", "", b"{}", reader(dict), idempotency_token="t-1")
    assert carried.retry_safety is RetrySafety.IDEMPOTENT
    assert Call(Operation.GET_DATASTORE, "/datastore/x", "", None, reader(dict)).retry_safety is RetrySafety.READ


def test_a_create_with_a_client_token_is_retried_with_the_same_token(faulty: Faulty, server: FaultServer) -> None:
    created = {"datastoreId": DATASTORE_ID, "datastoreStatus": "CREATING"}
    server.script(truncated(200, b'{"datastoreId": ', 512), reply_json(200, created))
    out = faulty.harness.run(faulty.client.create_datastore(datastore_name="research"))
    assert out.datastore_id == DATASTORE_ID
    assert len(server.requests) == 2  # retried after the unclear failure: the token makes a repeat harmless
    tokens = [json.loads(seen.body)["clientToken"] for seen in server.requests]
    assert tokens[0] == tokens[1]
