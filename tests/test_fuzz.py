"""A fuzz of every public method's arguments, on both clients: each call returns, or raises an SDK error.

Every parameter of every public method of ``Client`` and ``AsyncClient``
(their constructors and ``with_options`` included) and of the two builders
gets, at random, a good value or junk: a wrong type, a huge value (10**5000,
100,000 characters or items), nesting 3,000 levels deep, Unicode edge cases
(lone surrogates, NUL, BOM, bidi controls, other scripts' digits), NaN and the
infinities, objects no JSON can hold. A call must return (the mock service
answers every request that gets out) or raise a ``HealthImagingError``: any
other exception fails the test. That includes ``TypeError``: an argument of
a wrong type is a ``ParamValidationError`` naming it (docs/errors.md); only
a call Python cannot bind (a keyword the method does not take) is a
``TypeError``, and the fuzz passes every argument by a name the method takes.

The test run gives each of the service's 18 operations ``FUZZ_EXAMPLES`` (500)
examples, half through each client; every other method (paginators, waiters,
pixels, export, fan-out: each built on those operations) gets 200, and each
constructor, builder method and ``with_options`` (pure checks) 250,
derandomized, so a run is repeatable. ``nox -s fuzz`` runs 10,000 per method
(5,000 per client and per constructor or builder method) with a fresh seed.
"""

from __future__ import annotations

import gzip
import inspect
import json
import math
import os
import re
import tempfile
import warnings
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import healthimaging_client as hic
from healthimaging_client.testing import FakeClock

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Harness, client_kwargs

#: Examples per service operation: half through each client, since both run the same definitions and validation
#: (``Client`` derives its methods from ``AsyncClient``'s).
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "500"))
PER_CLIENT = max(EXAMPLES // 2, 1)
#: Examples per constructor, builder method and ``with_options``: pure checks.
SETTING_EXAMPLES = max(EXAMPLES // 2, 1)
#: Examples per other client method (built on the operations): 200, or fewer if ``FUZZ_EXAMPLES`` asks for fewer.
HELPER_EXAMPLES = int(os.environ.get("FUZZ_HELPER_EXAMPLES", str(min(EXAMPLES, 200))))
DERANDOMIZE = os.environ.get("FUZZ_RANDOM", "") == ""
#: The method of each operation in the service model (``SearchImageSets`` is ``search_image_sets``).
OPERATION_METHODS = frozenset(
    botocore.xform_name(name)
    for name in botocore.session.get_session().get_service_model("medical-imaging").operation_names
)

FUZZ = settings(
    max_examples=PER_CLIENT,
    derandomize=DERANDOMIZE,
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
FUZZ_SETTINGS = settings(FUZZ, max_examples=SETTING_EXAMPLES)
FUZZ_HELPER = settings(FUZZ, max_examples=max(HELPER_EXAMPLES // 2, 1))


def fuzz_settings(name: str) -> settings:
    """How many examples a client method gets: ``with_options`` is a pure check, an operation the most."""
    if name == "with_options":
        return FUZZ_SETTINGS
    return FUZZ if name in OPERATION_METHODS else FUZZ_HELPER


# --- junk of every kind ------------------------------------------------------------------------------

UNICODE_EDGES = [
    "",
    "\x00",
    "\ud800",
    "a\udfff",
    "\ufeff",
    "\u202e",
    "\u2028",
    "e\u0301",
    "\U0001f600",
    "\uffff",
    "\U0010ffff",
    "\u0661\uff11",
    "\u00b2",
    " ",
    "\t\n",
    "A" * 32,
    "0" * 32 + "\n",
    "NaN",
    "%2F..%00",
]
HUGE: list[Any] = [10**5000, -(10**5000), 2**64, "x" * 100_000, b"x" * 100_000, [0] * 100_000, 1e308 * 10]
NUMBERS = st.one_of(
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([math.nan, math.inf, -math.inf, -0.0]),
    st.decimals(allow_nan=True),
    st.complex_numbers(),
)


def nested(depth: int, kind: str) -> Any:
    """A value nested ``depth`` levels deep: lists, dicts, or tuples."""
    value: Any = 0
    for _ in range(depth):
        value = [value] if kind == "list" else {"k": value} if kind == "dict" else (value,)
    return value


OBJECTS = st.sampled_from(
    [
        object(),
        date(2024, 1, 5),
        datetime(2024, 1, 5, tzinfo=UTC),
        Decimal("1.5"),
        {1, 2},
        frozenset({"a"}),
        bytearray(b"ab"),
        Ellipsis,
        len,
        type,
        hic.Sort(sort_order="ASC", sort_field="createdAt"),
        hic.SearchByAttributeValue(is_primary=True),
        hic.DICOMUpdatesBuilder(),
        hic.CopySubsetBuilder(),
        hic.RetryConfig(),
        httpx.Timeout(1.0),
        iter([1, 2]),
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    NUMBERS,
    st.text(max_size=12),
    st.sampled_from(UNICODE_EDGES),
    st.binary(max_size=8),
    OBJECTS,
)
JUNK = st.one_of(
    SCALARS,
    st.sampled_from(HUGE),
    st.tuples(st.integers(1, 3_000), st.sampled_from(["list", "dict", "tuple"])).map(lambda d: nested(*d)),
    st.recursive(
        SCALARS,
        lambda inner: (
            st.lists(inner, max_size=3)
            | st.dictionaries(st.one_of(st.sampled_from(UNICODE_EDGES), st.integers()), inner, max_size=3)
            | st.tuples(inner, inner)
        ),
        max_leaves=6,
    ),
)


def mostly(good: st.SearchStrategy[Any], junk: st.SearchStrategy[Any] = JUNK) -> st.SearchStrategy[Any]:
    """A good value seven times in eight, junk otherwise: with several arguments, calls both pass and fail."""
    # sampled_from draws about evenly (one_of would merge the seven equal branches into one).
    return st.sampled_from(range(8)).flatmap(lambda i: junk if i == 7 else good)


# --- good values, by parameter name --------------------------------------------------------------------

IDS = st.from_regex(r"[0-9a-z]{32}", fullmatch=True)
VERSIONS = st.integers(0, 10**6) | st.from_regex(r"[0-9]{1,6}", fullmatch=True)
SV = hic.SearchByAttributeValue
GOOD_VALUES = st.one_of(
    st.builds(SV, dicom_patient_id=st.text(max_size=20)),
    st.builds(SV, dicom_study_instance_uid=st.from_regex(r"[0-9.]{1,20}", fullmatch=True)),
    st.builds(SV, created_at=st.datetimes(min_value=datetime(1971, 1, 1), timezones=st.just(UTC))),
    st.builds(SV, is_primary=st.booleans()),
    st.builds(
        SV,
        dicom_study_date_and_time=st.builds(
            hic.DICOMStudyDateAndTime,
            dicom_study_date=st.sampled_from(["20240105", "2024-01-05", "20241301"]),
            dicom_study_time=st.sampled_from([None, "093000", "09:30"]),
        ),
    ),
)
FILTERS = st.lists(
    st.builds(
        hic.SearchFilter,
        values=st.lists(mostly(GOOD_VALUES), min_size=1, max_size=2),
        operator=mostly(st.sampled_from(["EQUAL", "BETWEEN", hic.Operator.EQUAL])),
    ),
    min_size=1,
    max_size=2,
)
JSON_TEXTS = st.dictionaries(st.text(max_size=10), st.text(max_size=10) | st.integers(-(10**6), 10**6), max_size=3).map(
    json.dumps
)
DOCUMENTS = st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=10), st.integers(-100, 100)), max_size=3)
UPDATES = st.one_of(
    st.builds(hic.DICOMUpdates, updatable_attributes=mostly(DOCUMENTS), removable_attributes=st.none() | DOCUMENTS),
    st.fixed_dictionaries({"updatableAttributes": mostly(DOCUMENTS)}),
    st.just(hic.DICOMUpdatesBuilder().set_patient(PatientName="DOE^JANE")),
)
COPIABLE = st.one_of(
    DOCUMENTS,
    JSON_TEXTS,
    st.just(hic.CopySubsetBuilder().add_instances("1.2.3", ["1.2.3.4"])),
)
SCRATCH = Path(tempfile.mkdtemp(prefix="hic-fuzz-"))
#: The metadata the builders start from, so that removals by name and whole series can succeed.
SERIES, INSTANCE = "1.2.3", "1.2.3.4"
SOURCE = hic.ImageSetMetadata(
    {
        "SchemaVersion": "1.1",
        "DatastoreID": DATASTORE_ID,
        "ImageSetID": IMAGE_SET_ID,
        "Patient": {"DICOM": {"PatientName": "DOE^JANE"}},
        "Study": {
            "DICOM": {"StudyDescription": "CHEST"},
            "Series": {SERIES: {"DICOM": {"Modality": "CT"}, "Instances": {INSTANCE: {"DICOM": {"Modality": "CT"}}}}},
        },
    }
)

GOOD: dict[str, st.SearchStrategy[Any]] = {
    "datastore_id": IDS,
    "image_set_id": IDS,
    "source_image_set_id": IDS,
    "destination_image_set_id": IDS,
    "version_id": VERSIONS,
    "latest_version_id": VERSIONS,
    "revert_to_version_id": VERSIONS,
    "source_latest_version_id": VERSIONS,
    "destination_latest_version_id": VERSIONS,
    "filters": FILTERS,
    "sort": st.builds(hic.Sort, sort_order=st.sampled_from(["ASC", "DESC"]), sort_field=st.sampled_from(hic.SortField)),
    "max_results": st.integers(1, 50),
    "page_size": st.integers(1, 50),
    "max_items": st.integers(1, 5),
    "next_token": st.text(st.characters(max_codepoint=127), min_size=1, max_size=20),
    "starting_token": st.text(st.characters(max_codepoint=127), min_size=1, max_size=20),
    "updates": UPDATES,
    "copiable_attributes": COPIABLE,
    "force": st.booleans(),
    "include_study_image_sets": st.booleans(),
    "promote_to_primary": st.booleans(),
    "decompress": st.booleans(),
    "path": st.sampled_from([str(SCRATCH / "metadata.json"), SCRATCH / "metadata.json.gz"]),
    "timeout": st.floats(0, 100) | st.just(httpx.Timeout(5.0)),
    "poll_interval": st.floats(0.1, 10),
    "retry": st.builds(hic.RetryConfig, max_attempts=st.integers(1, 3)),
    "concurrency": st.integers(1, 8),
    "image_set_ids": st.lists(mostly(IDS), max_size=3),
    # Constructor arguments (credentials and the clock stay good: the harness fills them in).
    "region_name": st.sampled_from(["us-east-1", "eu-west-1", "local"]),
    "endpoint_url": st.sampled_from(["http://127.0.0.1:9", "https://example.test", None]),
    "use_fips_endpoint": st.booleans(),
    "use_dualstack_endpoint": st.booleans(),
    "rate_limits": st.just(hic.RateLimit.service_quotas()),
    "limits": st.just(httpx.Limits()),
    "log_bodies": st.just(False),
    # Builders.
    "series_uid": st.sampled_from([SERIES, "1.2.99", "1.2.3.5"]),
    "sop_instance_uid": st.sampled_from([INSTANCE]) | st.from_regex(r"1\.2\.[0-9]{1,5}\.[0-9]", fullmatch=True),
    "sop_instance_uids": st.lists(st.from_regex(r"1\.2\.[0-9]{1,5}", fullmatch=True), max_size=3),
    "attributes": st.dictionaries(
        st.sampled_from(["PatientName", "StudyDescription", "0009ABCD"]), st.text(max_size=8) | st.integers(-5, 5)
    ),
    "vrs": st.sampled_from([None, {"0009ABCD": "LO"}, {"00100010": "PN"}, {"0009ABCD": "XX"}]),
    "*tags": st.sampled_from(["PatientName", "Modality", "PatientNmae"])
    | st.dictionaries(st.sampled_from(["PatientName", "Modality"]), st.text(max_size=8), min_size=1),
    # Datastores, import jobs and tags.
    "datastore_name": st.from_regex(r"[A-Za-z0-9._/#-]{1,20}", fullmatch=True),
    "tags": st.dictionaries(st.from_regex(r"[a-z]{1,8}", fullmatch=True), st.text(max_size=8), max_size=3),
    "tag_keys": st.lists(st.from_regex(r"[a-z]{1,8}", fullmatch=True), min_size=1, max_size=3),
    # Varied, so that a long random run finds many distinct good calls (Hypothesis runs each example once).
    "resource_arn": st.builds(
        lambda datastore, image_set: f"arn:aws:medical-imaging:us-east-1:123456789012:datastore/{datastore}{image_set}",
        IDS,
        st.just("") | IDS.map(lambda i: f"/imageset/{i}"),
    ),
    "kms_key_arn": st.just("arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"),
    "lambda_authorizer_arn": st.just("arn:aws:lambda:us-east-1:123456789012:function:authorize"),
    "lossless_storage_format": st.sampled_from(["HTJ2K", "JPEG_2000_LOSSLESS"]),
    "client_token": st.from_regex(r"[A-Za-z0-9._-]{1,64}", fullmatch=True),
    "job_id": st.from_regex(r"[0-9a-z]{1,32}", fullmatch=True),
    "job_name": st.from_regex(r"[A-Za-z0-9._/#-]{1,20}", fullmatch=True),
    "datastore_status": st.sampled_from(["ACTIVE", "CREATING", "DELETED"]),
    "job_status": st.sampled_from(["SUBMITTED", "IN_PROGRESS", "COMPLETED", "FAILED"]),
    "status": st.just("ACTIVE"),
    "data_access_role_arn": st.just("arn:aws:iam::123456789012:role/ImportRole"),
    "input_s3_uri": st.just("s3://my-bucket/in/"),
    "output_s3_uri": st.just("s3://my-bucket/out/"),
    "input_owner_account_id": st.just("123456789012"),
    "import_configuration": st.none(),
    "total_timeout": st.floats(0.1, 100),
    "max_response_bytes": st.integers(1, 10**9),
    # Frames, pixels and export (the metadata of the mock describes no frame: these end in SDK errors).
    "image_frame_id": IDS,
    "frames": st.lists(IDS, max_size=2),
    "metadata": st.none(),
    "verify": st.booleans(),
    "rescale": st.booleans(),
    "ordered": st.booleans(),
    "series": st.none() | st.just(SERIES),
    "directory": st.just(str(SCRATCH / "export")),
    "transcode": st.booleans(),
    "progress": st.none(),
    "fsync": st.just(False),
    "current": st.none(),
    "source": st.none(),
}
#: Junk for a file path: no string, or the fuzz would write files wherever the junk names. A path that the
#: file system refuses raises OSError, as ``open`` does (docs/errors.md); a wrong type is a ParamValidationError.
PATH_JUNK = st.one_of(
    st.none(), NUMBERS, st.binary(max_size=8), OBJECTS, st.just(str(SCRATCH / "a\x00b")), st.lists(st.integers())
)
JUNK_FOR = {"path": PATH_JUNK, "directory": PATH_JUNK}
#: Parameters the fuzz leaves out: they decide what the client is, not what a call sends.
FIXED = {"http_client", "clock", "botocore_session", "profile_name", "aws_access_key_id", "aws_secret_access_key"}
FIXED |= {"aws_session_token"}
OMIT = object()


def arguments(target: Callable[..., Any]) -> st.SearchStrategy[tuple[list[Any], dict[str, Any]]]:
    """Positional and keyword arguments for ``target``, each good or junk; optional ones sometimes left out."""
    signature = inspect.signature(target)
    positional: list[st.SearchStrategy[Any]] = []
    named: dict[str, st.SearchStrategy[Any]] = {}
    # Before a *args, every parameter is given by position (by name it would collide with the *args).
    by_position = any(p.kind is p.VAR_POSITIONAL for p in signature.parameters.values())
    for name, parameter in signature.parameters.items():
        if name == "self" or name in FIXED:
            continue
        if parameter.kind is parameter.VAR_POSITIONAL:  # remove_*(*tags)
            positional.append(st.lists(mostly(GOOD.get("*" + name, JUNK)), max_size=3).map(lambda t: t or ["Modality"]))
            continue
        if parameter.kind is parameter.VAR_KEYWORD:  # set_*(**tags)
            named["**"] = st.dictionaries(
                st.sampled_from(["PatientName", "patient_name", "Modality"]), JUNK, max_size=2
            )
            continue
        value = mostly(GOOD.get(name, JUNK), JUNK_FOR.get(name, JUNK))
        if parameter.default is not parameter.empty:
            value = st.one_of(st.just(OMIT), value)
        if parameter.kind is parameter.POSITIONAL_ONLY or (
            by_position and parameter.kind is parameter.POSITIONAL_OR_KEYWORD
        ):
            positional.append(st.lists(value, min_size=1, max_size=1))
        else:
            named[name] = value

    def assemble(parts: tuple[list[list[Any]], dict[str, Any]]) -> tuple[list[Any], dict[str, Any]]:
        given, keywords = parts
        args = [item for group in given for item in group if item is not OMIT]
        kwargs = {k: v for k, v in keywords.items() if v is not OMIT and k != "**"}
        kwargs.update(keywords.get("**", {}))
        return args, kwargs

    return st.tuples(st.tuples(*positional).map(list), st.fixed_dictionaries(named)).map(assemble)


# --- a service that answers everything ------------------------------------------------------------------

METADATA = gzip.compress(
    json.dumps({"SchemaVersion": "1.1", "DatastoreID": DATASTORE_ID, "ImageSetID": IMAGE_SET_ID}).encode()
)
WRITE = {"datastoreId": DATASTORE_ID, "imageSetId": IMAGE_SET_ID, "latestVersionId": "2", "imageSetState": "LOCKED"}
JOB = {"jobId": "abc", "jobName": "job", "jobStatus": "COMPLETED", "datastoreId": DATASTORE_ID}
JOB_PROPERTIES = {
    **JOB,
    "dataAccessRoleArn": "arn:aws:iam::123456789012:role/ImportRole",
    "inputS3Uri": "s3://my-bucket/in/",
    "outputS3Uri": "s3://my-bucket/out/",
}
#: (method, path pattern, body) for every operation: the first that matches answers.
ANSWERS: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", r".*/searchImageSets", {"imageSetsMetadataSummaries": [{"imageSetId": IMAGE_SET_ID, "version": 1}]}),
    (
        "POST",
        r".*/listImageSetVersions",
        {"imageSetPropertiesList": [{"imageSetId": IMAGE_SET_ID, "versionId": "1", "imageSetState": "ACTIVE"}]},
    ),
    ("POST", r".*/updateImageSetMetadata", WRITE),
    (
        "POST",
        r".*/copyImageSet",
        {"datastoreId": DATASTORE_ID, "sourceImageSetProperties": WRITE, "destinationImageSetProperties": WRITE},
    ),
    ("POST", r".*/getImageSet", {**WRITE, "versionId": "1", "imageSetState": "ACTIVE"}),
    (
        "POST",
        r".*/deleteImageSet",
        {**WRITE, "imageSetState": "LOCKED", "imageSetWorkflowStatus": "DELETING"},
    ),
    ("POST", r"/datastore", {"datastoreId": DATASTORE_ID, "datastoreStatus": "CREATING"}),
    ("GET", r"/datastore", {"datastoreSummaries": []}),
    (
        "GET",
        r"/datastore/[^/]+",
        {"datastoreProperties": {"datastoreId": DATASTORE_ID, "datastoreName": "ds", "datastoreStatus": "ACTIVE"}},
    ),
    ("DELETE", r"/datastore/[^/]+", {"datastoreId": DATASTORE_ID, "datastoreStatus": "DELETING"}),
    (
        "POST",
        r"/startDICOMImportJob/.*",
        {"datastoreId": DATASTORE_ID, "jobId": "abc", "jobStatus": "SUBMITTED", "submittedAt": 1700000000},
    ),
    ("GET", r"/getDICOMImportJob/.*", {"jobProperties": JOB_PROPERTIES}),
    ("GET", r"/listDICOMImportJobs/.*", {"jobSummaries": [JOB]}),
    ("GET", r"/tags/.*", {"tags": {}}),
    ("POST", r"/tags/.*", {}),
    ("DELETE", r"/tags/.*", {}),
]


def answer(request: httpx.Request) -> httpx.Response:
    """The operation's success, its body unread (as a real transport hands it over: the SDK streams some)."""
    path = request.url.path
    if path.endswith("getImageSetMetadata"):
        return httpx.Response(200, stream=httpx.ByteStream(METADATA), headers={"Content-Encoding": "gzip"})
    if path.endswith("getImageFrame"):  # a frame the metadata does not describe: the pixel methods say so
        return httpx.Response(200, stream=httpx.ByteStream(b"\x00" * 16), headers={"Content-Type": "image/jph"})
    body = next(doc for method, route, doc in ANSWERS if request.method == method and re.fullmatch(route, path))
    return httpx.Response(200, stream=httpx.ByteStream(json.dumps(body).encode()))


@pytest.fixture(scope="module")
def harnesses() -> Iterator[dict[str, tuple[Harness, Any]]]:
    """A client of each kind, on a mock transport that answers every operation."""
    made: dict[str, tuple[Harness, Any]] = {}
    for kind in ("sync", "async"):
        harness = Harness(kind)
        transport = httpx.MockTransport(answer)
        http = httpx.AsyncClient(transport=transport) if kind == "async" else httpx.Client(transport=transport)
        made[kind] = (harness, harness.client(http_client=http, endpoint_url="https://fuzz.test"))
    yield made
    for harness, _ in made.values():
        harness.close()


def settle(harness: Harness, result: Any) -> None:
    """Finish what a call started: await a coroutine, drain an iterator (a few items: the mock pages forever)."""
    if inspect.isawaitable(result):
        harness.run(result)
    elif hasattr(result, "__anext__"):

        async def drain() -> None:
            count = 0
            async for _ in result:
                count += 1
                if count >= 3:
                    break
            await result.aclose()

        harness.run(drain())
    elif isinstance(result, Iterator):
        for count, _ in enumerate(result):
            if count >= 2:
                break
        close = getattr(result, "close", None)
        if close is not None:
            close()


def only_sdk_errors(call: Callable[[], None]) -> str:
    """How the call ended: "returned", "rejected" (ParamValidationError), or another SDK error's class name."""
    try:
        call()
    except hic.ParamValidationError as exc:
        assert exc.problems and str(exc) and repr(exc)  # an error that cannot describe itself helps no one
        return "rejected"
    except hic.HealthImagingError as exc:
        assert str(exc) and repr(exc)
        return type(exc).__name__
    except RecursionError:  # named, since pytest would print one unreadably
        pytest.fail("RecursionError escaped")
    return "returned"


def report(test: str, outcomes: dict[str, int]) -> None:
    """With ``FUZZ_REPORT`` set (``nox -s fuzz`` sets it), append how the calls ended, one JSON line a test."""
    path = os.environ.get("FUZZ_REPORT")
    if path:
        with open(path, "a", encoding="utf-8") as file:
            file.write(json.dumps({"test": test, "examples": sum(outcomes.values()), **outcomes}) + "\n")


def assert_both_sides(outcomes: dict[str, int], *, also: frozenset[str] = frozenset()) -> None:
    """The fuzz says little unless calls both pass and fail; the mock answers all, so nothing else fails.

    ``also`` names other errors a good call can end in (waiting for a version the mock does not have).
    """
    least = max(1, sum(outcomes.values()) // 100)  # a method with few good inputs (add_series) has few distinct ones
    assert outcomes.get("returned", 0) >= least and outcomes.get("rejected", 0) >= least, outcomes
    assert set(outcomes) <= {"returned", "rejected", *also}, outcomes


# --- the fuzz ---------------------------------------------------------------------------------------------

#: Methods that cannot succeed against the mock (its metadata describes no frame; a deletion it never finishes):
#: the fuzz checks that they end in SDK errors, not that some calls return.
NOTHING_TO_RETURN = frozenset(
    {"get_frame_array", "iter_frame_arrays", "get_series_volume", "export_image_set", "wait_for_image_set_deletion"}
)
CLIENT_METHODS = sorted(
    name
    for name in dir(hic.AsyncClient)
    if not name.startswith("_") and inspect.isfunction(getattr(hic.AsyncClient, name)) and name != "aclose"
)


def method_cases() -> list[Any]:
    cases = []
    for kind in ("sync", "async"):
        cls = hic.AsyncClient if kind == "async" else hic.Client
        for name in CLIENT_METHODS:
            if hasattr(cls, name):
                cases.append(pytest.param(kind, name, id=f"{kind}-{name}"))
    return cases


def test_the_fuzz_covers_every_public_method() -> None:
    """A method added later is fuzzed too, or this fails (``FIXED`` and ``GOOD`` name what it takes)."""
    public = {n for n in dir(hic.Client) if not n.startswith("_") and callable(getattr(hic.Client, n))}
    assert public - {"close"} <= set(CLIENT_METHODS)
    assert "get_image_set_metadata_many" in CLIENT_METHODS and "with_options" in CLIENT_METHODS
    assert len(OPERATION_METHODS) == 18 and set(CLIENT_METHODS) >= OPERATION_METHODS  # each gets the most examples


def bounded_wait(kwargs: dict[str, Any]) -> dict[str, Any]:
    """A wait the mock never finishes polls until its timeout (forever, if infinite): the fuzz keeps it to 10 s
    of the fake clock (at most 1,000 polls) and leaves every other timeout (junk included) as drawn."""
    timeout = kwargs.get("timeout", math.inf)
    if isinstance(timeout, int | float) and not isinstance(timeout, bool) and timeout > 10:
        return {**kwargs, "timeout": 10.0}
    return kwargs


@pytest.mark.parametrize(("kind", "name"), method_cases())
def test_any_arguments_to_a_client_method_give_a_result_or_an_sdk_error(
    harnesses: dict[str, tuple[Harness, Any]], kind: str, name: str
) -> None:
    harness, client = harnesses[kind]
    method = getattr(client, name)
    outcomes: dict[str, int] = {}

    @fuzz_settings(name)
    @given(arguments(getattr(type(client), name)))
    def check(call: tuple[list[Any], dict[str, Any]]) -> None:
        args, kwargs = call
        if name.startswith("wait_for_"):
            kwargs = bounded_wait(kwargs)
        outcome = only_sdk_errors(lambda: settle(harness, method(*args, **kwargs)))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    check()
    report(f"{kind}.{name}", outcomes)
    if name in NOTHING_TO_RETURN:
        return  # only SDK errors (only_sdk_errors fails on any other): none of these can succeed on the mock
    waits = name.startswith("wait_for_")  # waiting for a version or a status the mock never reaches
    assert_both_sides(outcomes, also=frozenset({"WaiterError", "WaiterTimeoutError"}) if waits else frozenset())


@pytest.mark.parametrize("cls", [hic.Client, hic.AsyncClient])
def test_any_arguments_to_a_constructor_give_a_client_or_an_sdk_error(cls: type) -> None:
    @FUZZ_SETTINGS
    @given(arguments(cls.__init__))
    def check(call: tuple[list[Any], dict[str, Any]]) -> None:
        args, kwargs = call
        # A pool of the test's own (never owned, so never closed by the client): a default one loads the
        # CA certificates, 50 ms a client.
        base = client_kwargs(clock=FakeClock(), http_client=http)
        base.update(kwargs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # log_bodies=True warns, as it should
            outcome = only_sdk_errors(lambda: cls(*args, **base))
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    transport = httpx.MockTransport(answer)
    http = httpx.AsyncClient(transport=transport) if cls is hic.AsyncClient else httpx.Client(transport=transport)
    outcomes: dict[str, int] = {}
    check()
    report(f"{cls.__name__}()", outcomes)
    assert_both_sides(outcomes)


BUILDER_METHODS = (
    [
        (hic.DICOMUpdatesBuilder, name)
        for name in ("set_patient", "set_study", "set_series", "set_instance", "remove_patient", "remove_study")
    ]
    + [
        (hic.DICOMUpdatesBuilder, name)
        for name in ("remove_series_attributes", "remove_instance_attributes", "remove_series", "remove_instance")
    ]
    + [(hic.CopySubsetBuilder, name) for name in ("add_series", "add_instances")]
)


def test_the_fuzz_covers_every_builder_method() -> None:
    for cls in (hic.DICOMUpdatesBuilder, hic.CopySubsetBuilder):
        public = {n for n in vars(cls) if not n.startswith("_") and callable(getattr(cls, n))}
        reads = {"build", "to_dict", "updatable_attributes", "removable_attributes"}
        assert public - reads == {name for owner, name in BUILDER_METHODS if owner is cls}


@pytest.mark.parametrize(("cls", "name"), BUILDER_METHODS, ids=[f"{c.__name__}.{n}" for c, n in BUILDER_METHODS])
def test_any_arguments_to_a_builder_method_give_a_builder_or_an_sdk_error(cls: type, name: str) -> None:
    outcomes: dict[str, int] = {}

    @FUZZ_SETTINGS
    @given(arguments(getattr(cls, name)))
    def check(call: tuple[list[Any], dict[str, Any]]) -> None:
        args, kwargs = call
        builder = cls(SOURCE)
        outcome = only_sdk_errors(lambda: getattr(builder, name)(*args, **kwargs).build())
        outcomes[outcome] = outcomes.get(outcome, 0) + 1

    check()
    report(f"{cls.__name__}.{name}", outcomes)
    assert_both_sides(outcomes)


def test_the_junk_reaches_what_the_issue_names() -> None:
    """The control: the junk strategy does produce each kind the issue lists (and so the fuzz meets them)."""
    seen: set[str] = set()

    @settings(max_examples=400, derandomize=True, database=None)
    @given(JUNK)
    def look(value: Any) -> None:
        depth, inner = 0, value
        while isinstance(inner, list | dict | tuple) and inner and depth <= 1_000:
            inner, depth = next(iter(inner.values())) if isinstance(inner, dict) else inner[0], depth + 1
        if isinstance(value, float) and math.isnan(value):
            seen.add("nan")
        if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 10_000:
            seen.add("huge")
        if depth > 1_000:
            seen.add("nested")
        if isinstance(value, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in value):
            seen.add("surrogate")
        if isinstance(value, set | date):
            seen.add("unjsonable")

    look()
    assert seen == {"nan", "huge", "nested", "surrogate", "unjsonable"}


# --- what the fuzz found, kept as plain tests -------------------------------------------------------


def test_a_huge_concurrency_does_not_loop_forever(harnesses: dict[str, tuple[Harness, Any]]) -> None:
    """``range(concurrency)`` with concurrency=10**100 started tasks until it had counted that far."""
    harness, client = harnesses["async"]

    async def fetch() -> list[Any]:
        return [
            item async for item in client.get_image_set_metadata_many(DATASTORE_ID, [IMAGE_SET_ID], concurrency=10**100)
        ]

    (found,) = harness.run(fetch())
    assert found[0] == IMAGE_SET_ID and isinstance(found[1], hic.ImageSetMetadata)


@pytest.mark.parametrize(
    ("call", "problem"),
    [
        (
            lambda c: c.iter_image_set_pages(DATASTORE_ID, starting_token=5),
            "starting_token: expected a string, got int",
        ),
        (lambda c: c.download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, 3.5), "path: expected a file path"),
        (lambda c: c.download_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, "a\x00b"), "path: expected a file path"),
        (lambda c: c.wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, timeout=math.nan), "timeout: must be a number"),
        (lambda c: c.wait_for_image_set(DATASTORE_ID, IMAGE_SET_ID, poll_interval=math.inf), "poll_interval: must be"),
        (
            lambda c: c.wait_for_image_set_deletion(DATASTORE_ID, IMAGE_SET_ID, poll_interval=1e-300),
            "poll_interval: must be at least 0.01 seconds",
        ),
        (
            lambda c: c.wait_for_datastore(DATASTORE_ID, poll_interval=0.001),
            "poll_interval: must be at least 0.01 seconds",
        ),
        (lambda c: c.with_options(timeout="5"), "timeout: must be a number of seconds"),
        (lambda c: c.get_image_set_metadata_many(DATASTORE_ID, 42).__anext__(), "image_set_ids: expected an iterable"),
        (lambda c: c.get_series_volume(DATASTORE_ID, IMAGE_SET_ID, "1.2.3"), "series: expected a Series"),
    ],
)
def test_arguments_the_fuzz_found_unchecked(
    harnesses: dict[str, tuple[Harness, Any]], call: Callable[[Any], Any], problem: str
) -> None:
    harness, client = harnesses["async"]
    with pytest.raises(hic.ParamValidationError) as caught:
        settle(harness, call(client))
    assert any(p.startswith(problem) for p in caught.value.problems), caught.value.problems
