"""Error responses and unreadable responses become typed SDK errors."""

from __future__ import annotations

import concurrent.futures
import copy
import gzip
import json
import multiprocessing
import pickle

import httpx
import pytest
import respx

import healthimaging_client as hic
from healthimaging_client import errors
from healthimaging_client._wire.service_errors import service_error

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Harness

DOCUMENTED = [
    (400, "ValidationException", hic.ValidationException),
    (402, "ServiceQuotaExceededException", hic.ServiceQuotaExceededException),
    (403, "AccessDeniedException", hic.AccessDeniedException),
    (404, "ResourceNotFoundException", hic.ResourceNotFoundException),
    (409, "ConflictException", hic.ConflictException),
    (429, "ThrottlingException", hic.ThrottlingException),
    (500, "InternalServerException", hic.InternalServerException),
]


@pytest.mark.parametrize(("status", "code", "cls"), DOCUMENTED)
def test_documented_codes_map_to_their_class(sdk: Harness, status: int, code: str, cls: type[hic.ServiceError]) -> None:
    response = httpx.Response(
        status,
        headers={
            "x-amzn-ErrorType": f"{code}:http://internal.amazon.com/coral/com.amazonaws.x/",
            "x-amzn-RequestId": "rid-1",
        },
        json={"message": "the service says why"},
    )
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=response)
        with pytest.raises(cls) as caught:
            sdk.run(
                sdk.client(retry=hic.RetryConfig(max_attempts=1)).list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID)
            )
    assert route.call_count == 1
    error = caught.value
    assert type(error) is cls
    assert (error.status_code, error.code, error.request_id) == (status, code, "rid-1")
    assert error.message == "the service says why"
    assert error.operation == "ListImageSetVersions"
    text = str(error)
    assert "ListImageSetVersions" in text and code in text and "rid-1" in text and str(status) in text


def test_code_from_the_header_wins_over_status_and_body() -> None:
    error = service_error(
        "SearchImageSets",
        400,
        {"x-amzn-errortype": "aws.protocols#ConflictException"},
        b'{"__type": "ValidationException", "Message": "capital M"}',
    )
    assert type(error) is hic.ConflictException
    assert error.message == "capital M"


@pytest.mark.parametrize("key", ["code", "Code", "__type"])
def test_code_from_the_body_when_the_header_is_absent(key: str) -> None:
    body = json.dumps({key: "com.amazonaws.medicalimaging#ResourceNotFoundException", "message": "gone"}).encode()
    error = service_error("GetImageSetMetadata", 404, {}, body)
    assert type(error) is hic.ResourceNotFoundException
    assert error.code == "ResourceNotFoundException"


def test_an_unknown_code_is_chosen_by_status() -> None:
    known_status = service_error("CopyImageSet", 429, {"x-amzn-errortype": "SlowDownPleaseException"}, b"{}")
    assert type(known_status) is hic.ThrottlingException
    assert known_status.code == "SlowDownPleaseException"
    future = service_error("CopyImageSet", 418, {"x-amzn-errortype": "TeapotException"}, b"{}")
    assert type(future) is hic.ServiceError
    assert (future.code, future.status_code) == ("TeapotException", 418)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (406, "NotAcceptableException", hic.NotAcceptableException),
        (406, "", hic.NotAcceptableException),
        (400, "BadRequestException", hic.BadRequestException),
        (400, "", hic.ValidationException),
    ],
)
def test_get_image_frames_errors_have_their_own_classes(status: int, code: str, cls: type[hic.ServiceError]) -> None:
    headers = {"x-amzn-errortype": f"{code}:http://internal.amazon.com/coral/"} if code else {}
    error = service_error("GetImageFrame", status, headers, b'{"message": "no"}')
    assert type(error) is cls
    assert (error.status_code, error.code) == (status, code or cls.__name__)


@pytest.mark.parametrize(
    ("status", "body", "cls", "code"),
    [
        (502, b"<html><body><h1>502 Bad Gateway</h1></body></html>", hic.ServiceError, "HTTP502"),
        (500, b"", hic.InternalServerException, "InternalServerException"),
        (403, b"not json {", hic.AccessDeniedException, "AccessDeniedException"),
        (404, b"[1, 2]", hic.ResourceNotFoundException, "ResourceNotFoundException"),
    ],
)
def test_html_empty_and_odd_error_bodies_still_give_typed_errors(
    status: int, body: bytes, cls: type[hic.ServiceError], code: str
) -> None:
    error = service_error("SearchImageSets", status, {"x-amzn-requestid": "r"}, body)
    assert type(error) is cls
    assert error.code == code
    assert error.message == ""
    assert "html" not in str(error).lower()


def test_retry_after_headers_are_read() -> None:
    assert service_error("X", 429, {"retry-after": "3"}, b"").retry_after == 3.0
    assert service_error("X", 429, {"x-amz-retry-after": "1500"}, b"").retry_after == 1.5
    assert service_error("X", 429, {"retry-after": "Wed, 21 Oct 2015 07:28:00 GMT"}, b"").retry_after is None


@pytest.mark.parametrize(
    "response",
    [
        httpx.Response(200, content=b"{not json"),
        httpx.Response(200, content=b"[]"),
        httpx.Response(200, json={"imageSetsMetadataSummaries": [{"version": 1}]}),
        httpx.Response(200, json={"imageSetsMetadataSummaries": [{"imageSetId": 5}]}),
        httpx.Response(200, json={"imageSetsMetadataSummaries": [{"imageSetId": "a", "createdAt": "yesterday"}]}),
        httpx.Response(200, json={}),
    ],
    ids=["bad-json", "array", "missing-required", "wrong-type", "bad-timestamp", "missing-list"],
)
def test_unreadable_success_bodies_raise_invalid_response(sdk: Harness, response: httpx.Response) -> None:
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(return_value=response)
        with pytest.raises(hic.InvalidResponseError) as caught:
            sdk.run(sdk.client().search_image_sets(DATASTORE_ID))
    assert caught.value.operation == "SearchImageSets"
    # The parser's exception (whose frames hold the body) is neither cause nor context: a summary stands in.
    assert isinstance(caught.value.__cause__, hic.CauseSummary) and caught.value.__context__ is None


def test_corrupt_gzip_metadata_raises_invalid_response(sdk: Harness) -> None:
    corrupt = gzip.compress(b'{"SchemaVersion": "1.1"}')[:-6] + b"garbage"
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(
            return_value=httpx.Response(200, stream=httpx.ByteStream(corrupt), headers={"Content-Encoding": "gzip"})
        )
        with pytest.raises(hic.InvalidResponseError):
            sdk.run(sdk.client().get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))


def test_gzip_metadata_is_decoded(sdk: Harness) -> None:
    document = {"SchemaVersion": "1.1", "DatastoreID": DATASTORE_ID, "ImageSetID": IMAGE_SET_ID, "Patient": {}}
    body = gzip.compress(json.dumps(document).encode())
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(
            return_value=httpx.Response(
                200,
                stream=httpx.ByteStream(body),
                headers={"Content-Encoding": "gzip", "Content-Type": "application/json"},
            )
        )
        metadata = sdk.run(sdk.client().get_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID))
    assert isinstance(metadata, hic.ImageSetMetadata)
    assert metadata.to_dict() == document


@pytest.mark.parametrize(
    ("exc", "cls"),
    [
        (httpx.ConnectError("refused"), hic.ConnectError),
        (httpx.ConnectTimeout("slow"), hic.TimeoutError),
        (httpx.ReadTimeout("slow"), hic.TimeoutError),
        (httpx.RemoteProtocolError("cut short"), hic.TransportError),
        (httpx.ReadError("reset"), hic.TransportError),
    ],
)
def test_transport_failures_raise_sdk_errors_with_a_summary_of_the_httpx_error_chained(
    sdk: Harness, exc: httpx.HTTPError, cls: type[hic.HealthImagingError]
) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(side_effect=exc)
        with pytest.raises(cls) as caught:
            sdk.run(sdk.client().list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    cause = caught.value.__cause__
    assert isinstance(cause, hic.CauseSummary) and cause.type_names[0] == f"httpx.{type(exc).__name__}"
    assert caught.value.__context__ is None
    assert caught.value.attempts == route.call_count == 3


def test_every_error_class_derives_from_the_base() -> None:
    for name in errors.__all__:
        cls = getattr(errors, name)
        assert issubclass(cls, hic.HealthImagingError)
        assert getattr(hic, name) is cls
    assert issubclass(hic.ParamValidationError, ValueError)


# --- errors cross processes: pickle and copy keep every attribute ---------------------------------


def _examples() -> list[hic.HealthImagingError]:
    """One error of each class, with every attribute set to something other than its default."""
    made: list[hic.HealthImagingError] = []
    for name in errors.__all__:
        cls = getattr(errors, name)
        if issubclass(cls, hic.ServiceError):
            error: hic.HealthImagingError = cls(
                "the service says why",
                operation="CopyImageSet",
                status_code=409,
                code=name,
                request_id="rid-7",
                retry_after=1.5,
            )
        elif cls is hic.ParamValidationError:
            error = cls(["datastore_id: must be 32 characters", "max_results: must be from 1 to 50"], operation="X")
        elif cls is hic.CauseSummary:
            error = cls(("httpx.ConnectError", "socket.gaierror"), "the DNS lookup failed")
        elif issubclass(cls, hic.TransportError):
            error = cls("the connection to h:443 was reset", operation="SearchImageSets", host="h:443")
        elif cls is hic.InvalidResponseError:
            error = cls("unreadable", operation="SearchImageSets", status_code=200, request_id="rid-8")
        elif cls is hic.CredentialsError:
            error = cls("the AWS session token (from provider env) begins or ends with whitespace", provider="env")
        elif cls is hic.ResponseTooLargeError:
            error = cls("the response body is over the 1 KiB cap", limit=1024, operation="SearchImageSets")
        elif cls is hic.ChecksumMismatchError:
            error = cls(image_frame_id="f" * 32, width=2, height=3, expected=7, actual=8)
        elif cls is hic.ExtraNotInstalledError:
            error = cls("pixels", "numpy", "decoding frames")
        elif issubclass(cls, hic.PixelDataError):
            error = cls("the frame cannot be decoded", image_frame_id="f" * 32)
        else:
            error = cls("it did not finish")
        error.attempts = 3
        if isinstance(error, hic.ConflictException):
            error.may_have_applied = True
            error.version_ids = {"latest_version_id": "4"}
        made.append(error)
    return made


def _same(copied: BaseException, original: BaseException) -> None:
    assert type(copied) is type(original)
    assert vars(copied) == vars(original)
    assert copied.args == original.args
    assert str(copied) == str(original) and repr(copied) == repr(original)


@pytest.mark.parametrize("error", _examples(), ids=lambda e: type(e).__name__)
def test_every_error_survives_pickle_and_copy_with_its_attributes(error: hic.HealthImagingError) -> None:
    for copied in (pickle.loads(pickle.dumps(error)), copy.copy(error), copy.deepcopy(error)):
        _same(copied, error)
    if isinstance(error, hic.ParamValidationError):
        assert pickle.loads(pickle.dumps(error)).problems == error.problems  # not one character per line


def _raise(error: BaseException) -> None:
    raise error


def test_an_error_raised_in_a_worker_process_arrives_whole() -> None:
    """What issue 14 saw: a ServiceError raised in a process pool broke the pool instead."""
    error = _examples()[0]
    with concurrent.futures.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        future = pool.submit(_raise, error)
        with pytest.raises(type(error)) as caught:
            future.result(timeout=60)
    _same(caught.value, error)


# --- bodies nested past the parser's depth ------------------------------------------------------------

DEEP_ARRAY = b"[" * 100_000
DEEP_OBJECT = b'{"message": ' * 100_000


@pytest.mark.parametrize(("status", "cls"), [(400, hic.ValidationException), (404, hic.ResourceNotFoundException)])
def test_an_error_body_nested_past_the_parsers_depth_is_still_typed(
    sdk: Harness, status: int, cls: type[hic.ServiceError]
) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(status, content=DEEP_ARRAY))
        with pytest.raises(cls) as caught:
            sdk.run(sdk.client().list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    assert route.call_count == 1 and caught.value.message == ""


def test_a_500_nested_past_the_parsers_depth_is_retried(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(500, content=DEEP_OBJECT))
        with pytest.raises(hic.InternalServerException) as caught:
            sdk.run(sdk.client().list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    assert route.call_count == caught.value.attempts == 3


@pytest.mark.parametrize("body", [DEEP_ARRAY, DEEP_OBJECT], ids=["array", "object"])
def test_a_success_body_nested_past_the_parsers_depth_is_an_invalid_response(sdk: Harness, body: bytes) -> None:
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(return_value=httpx.Response(200, content=body))
        with pytest.raises(hic.InvalidResponseError) as caught:
            sdk.run(sdk.client().search_image_sets(DATASTORE_ID))
    assert isinstance(caught.value.__cause__, hic.CauseSummary) and caught.value.__context__ is None
