"""Construction, configuration and the parity of Client and AsyncClient."""

from __future__ import annotations

import asyncio
import inspect
from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, IMAGE_SET_ID, SECRET_KEY, SESSION_TOKEN, Harness, client_kwargs


def _public_methods(cls: type) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(member)
        for name, member in inspect.getmembers(cls, inspect.isfunction)
        if not name.startswith("_")
    }


def test_both_clients_have_the_same_methods_and_signatures() -> None:
    sync_methods = _public_methods(hic.Client)
    async_methods = _public_methods(hic.AsyncClient)
    only_sync = {"close"}
    only_async = {"aclose", "get_image_set_metadata_many"}
    assert set(sync_methods) - only_sync == set(async_methods) - only_async
    for name in set(sync_methods) - only_sync:
        sync_sig, async_sig = sync_methods[name], async_methods[name]
        assert list(sync_sig.parameters) == list(async_sig.parameters), name
        for param in sync_sig.parameters:
            a, b = sync_sig.parameters[param], async_sig.parameters[param]
            assert (a.kind, a.default, a.annotation) == (b.kind, b.default, b.annotation), (name, param)
    assert inspect.signature(hic.Client.__init__) == inspect.signature(hic.AsyncClient.__init__)
    for name in ("search_image_sets", "get_image_set_metadata", "list_image_set_versions"):
        assert inspect.iscoroutinefunction(getattr(hic.AsyncClient, name))
        assert not inspect.iscoroutinefunction(getattr(hic.Client, name))


#: The only parameters a method may take by position: what names the resource (and where a download goes).
POSITIONAL = {
    *("datastore_id", "image_set_id", "source_image_set_id", "path", "image_set_ids", "job_id", "resource_arn"),
    *("image_frame_id", "frames", "series"),  # which pixel data
    "directory",  # where an export goes
}
#: Named like a positional one elsewhere, but an option here: the series an export chooses (all by default).
KEYWORD_ONLY = {("export_image_set", "series")}


@pytest.mark.parametrize("cls", [hic.Client, hic.AsyncClient])
def test_path_ids_are_positional_and_the_rest_keyword_only(cls: type) -> None:
    for name, signature in _public_methods(cls).items():
        parameters = [p for p in signature.parameters.values() if p.name != "self"]
        for param in parameters:
            positional = param.name in POSITIONAL and (name, param.name) not in KEYWORD_ONLY
            expected = param.POSITIONAL_OR_KEYWORD if positional else param.KEYWORD_ONLY
            assert param.kind is expected, (name, param.name)


@pytest.mark.parametrize(
    ("kwargs", "endpoint"),
    [
        ({}, "https://runtime-medical-imaging.us-east-1.amazonaws.com"),
        ({"region_name": "eu-west-1"}, "https://runtime-medical-imaging.eu-west-1.amazonaws.com"),
        ({"use_fips_endpoint": True}, "https://runtime-medical-imaging-fips.us-east-1.amazonaws.com"),
        ({"use_dualstack_endpoint": True}, "https://runtime-medical-imaging.us-east-1.api.aws"),
        ({"region_name": "cn-north-1"}, "https://runtime-medical-imaging.cn-north-1.amazonaws.com.cn"),
        ({"endpoint_url": "http://127.0.0.1:8080/"}, "http://127.0.0.1:8080"),
        ({"endpoint_url": "https://vpce-1.medical-imaging.example.com"}, "https://vpce-1.medical-imaging.example.com"),
    ],
)
def test_endpoints(kwargs: dict[str, Any], endpoint: str) -> None:
    assert hic.Client(**client_kwargs(**kwargs)).endpoint_url == endpoint


def test_a_custom_endpoint_is_used_verbatim_without_the_host_prefix() -> None:
    with respx.mock() as mock:
        route = mock.post("http://127.0.0.1:8080/datastore/" + DATASTORE_ID + "/searchImageSets").mock(
            return_value=httpx.Response(200, json={"imageSetsMetadataSummaries": []})
        )
        hic.Client(**client_kwargs(endpoint_url="http://127.0.0.1:8080")).search_image_sets(DATASTORE_ID)
    assert route.called


@pytest.mark.parametrize(
    "kwargs",
    [
        {"endpoint_url": "http://localhost:1", "use_fips_endpoint": True},
        {"endpoint_url": "http://localhost:1", "use_dualstack_endpoint": True},
        {"endpoint_url": "ftp://localhost"},
        {"endpoint_url": "http://localhost/?x=1"},
        {"region_name": "us-east-1/../evil"},
        {"aws_secret_access_key": None},
    ],
)
def test_bad_configuration_is_a_clear_error(kwargs: dict[str, Any]) -> None:
    with pytest.raises(hic.ParamValidationError):
        hic.Client(**client_kwargs(**kwargs))


def test_environment_endpoints_as_boto3_reads_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://general.example:1")
    assert hic.Client(**client_kwargs()).endpoint_url == "http://general.example:1"
    monkeypatch.setenv("AWS_ENDPOINT_URL_MEDICAL_IMAGING", "http://specific.example:2")
    assert hic.Client(**client_kwargs()).endpoint_url == "http://specific.example:2"
    assert hic.Client(**client_kwargs(endpoint_url="http://explicit:3")).endpoint_url == "http://explicit:3"
    monkeypatch.setenv("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "true")
    assert hic.Client(**client_kwargs()).endpoint_url.startswith("https://runtime-medical-imaging.")


def test_region_and_credentials_from_the_standard_chain(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config").write_text("[profile research]\nregion = ap-southeast-2\n")
    (tmp_path / "credentials").write_text(
        "[research]\naws_access_key_id = AKIDPROFILE\naws_secret_access_key = profile-secret\n"
    )
    client = hic.Client(profile_name="research")
    assert client.region_name == "ap-southeast-2"
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID)
    assert "Credential=AKIDPROFILE/" in route.calls[0].request.headers["authorization"]

    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDENV")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "env-secret")
    client = hic.Client()
    assert client.region_name == "eu-central-1"
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID)
    assert "Credential=AKIDENV/" in route.calls[0].request.headers["authorization"]


def test_no_region_and_no_credentials_are_typed_errors(sdk: Harness) -> None:
    with pytest.raises(hic.ParamValidationError, match="region_name"):
        hic.Client()
    client = sdk.client(aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None)
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=".*")
        with pytest.raises(hic.CredentialsError):
            sdk.run(client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    assert not route.called


def test_repr_shows_no_secret(sdk: Harness) -> None:
    client = sdk.client()
    for text in (repr(client), str(client), repr(vars(client))):
        assert SECRET_KEY not in text
        assert SESSION_TOKEN not in text


def test_a_user_http_client_is_used_and_not_closed() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"imageSetPropertiesList": []})

    own = httpx.Client(transport=httpx.MockTransport(handler), headers={"x-team": "radiology"})
    with hic.Client(**client_kwargs(http_client=own)) as client:
        client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID)
    assert not own.is_closed
    assert seen[0].headers["x-team"] == "radiology"
    own.close()

    async def scenario() -> None:
        own_async = httpx.AsyncClient(transport=httpx.MockTransport(handler))
        async with hic.AsyncClient(**client_kwargs(http_client=own_async)) as client:
            await client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID)
        assert not own_async.is_closed
        await own_async.aclose()

    asyncio.run(scenario())


def test_with_options_shares_the_pool_and_changes_only_what_it_is_given(sdk: Harness) -> None:
    client = sdk.client()
    view = client.with_options(retry=hic.RetryConfig(max_attempts=1), timeout=1.5)
    assert view._core.backend is client._core.backend
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(503))
        with pytest.raises(hic.ServiceError):
            sdk.run(view.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
        assert route.call_count == 1
        with pytest.raises(hic.ServiceError):
            sdk.run(client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
        assert route.call_count == 4
        assert route.calls[0].request.extensions["timeout"]["read"] == 1.5
    sdk.run(view.aclose() if sdk.kind == "async" else view.close())
    assert not client._core.backend.http.is_closed


def test_responses_are_read_leniently(sdk: Harness) -> None:
    body = {
        "imageSetsMetadataSummaries": [
            {
                "imageSetId": IMAGE_SET_ID,
                "version": 3,
                "storageTier": "SOME_FUTURE_TIER",
                "createdAt": "2024-01-02T03:04:05Z",
                "updatedAt": 1680042257.908,
                "aBrandNewField": {"nested": True},
                "DICOMTags": {"DICOMPatientName": "SYNTH^ONE", "DICOMNumberOfStudyRelatedSeries": 2},
            }
        ],
        "sort": {"sortOrder": "DESC", "sortField": "updatedAt"},
    }
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json=body))
        out = sdk.run(sdk.client().search_image_sets(DATASTORE_ID))
    summary = out.image_sets_metadata_summaries[0]
    assert summary.storage_tier == "SOME_FUTURE_TIER"
    assert summary.created_at.isoformat() == "2024-01-02T03:04:05+00:00"
    assert summary.updated_at.timestamp() == pytest.approx(1680042257.908)
    assert summary.dicom_tags.dicom_patient_name == "SYNTH^ONE"
    assert out.sort == hic.Sort(sort_order=hic.SortOrder.DESC, sort_field=hic.SortField.UPDATED_AT)
    assert "SYNTH^ONE" not in repr(out)


def test_update_and_copy_outputs(sdk: Harness) -> None:
    update = {
        "datastoreId": DATASTORE_ID,
        "imageSetId": IMAGE_SET_ID,
        "latestVersionId": "4",
        "imageSetState": "LOCKED",
        "imageSetWorkflowStatus": "UPDATING",
        "createdAt": 1.5,
    }
    copy = {
        "datastoreId": DATASTORE_ID,
        "sourceImageSetProperties": {
            "imageSetId": IMAGE_SET_ID,
            "latestVersionId": "4",
            "imageSetState": "LOCKED",
            "imageSetWorkflowStatus": "COPYING_WITH_READ_ONLY_ACCESS",
        },
        "destinationImageSetProperties": {
            "imageSetId": IMAGE_SET_ID[::-1],
            "latestVersionId": "1",
            "imageSetState": "LOCKED",
            "imageSetWorkflowStatus": "COPYING",
            "imageSetArn": "arn:aws:medical-imaging:us-east-1:123456789012:datastore/x/imageset/y",
        },
    }
    with respx.mock() as mock:
        mock.post(url__regex=".*updateImageSetMetadata").mock(return_value=httpx.Response(200, json=update))
        mock.post(url__regex=".*copyImageSet").mock(return_value=httpx.Response(200, json=copy))
        client = sdk.client()
        updated = sdk.run(
            client.update_image_set_metadata(DATASTORE_ID, IMAGE_SET_ID, latest_version_id=3, revert_to_version_id=1)
        )
        copied = sdk.run(client.copy_image_set(DATASTORE_ID, IMAGE_SET_ID, source_latest_version_id=4))
    assert updated.image_set_state is hic.ImageSetState.LOCKED
    assert updated.image_set_workflow_status is hic.ImageSetWorkflowStatus.UPDATING
    assert updated.latest_version_id == "4"
    source = copied.source_image_set_properties
    assert source.image_set_workflow_status is hic.ImageSetWorkflowStatus.COPYING_WITH_READ_ONLY_ACCESS
    assert copied.destination_image_set_properties.image_set_id == IMAGE_SET_ID[::-1]


def test_fan_out_yields_successes_and_typed_failures() -> None:
    good = [f"{i:032x}" for i in range(1, 21)]
    missing = f"{999:032x}"
    in_flight = 0
    peak = 0

    async def respond(request: httpx.Request) -> httpx.Response:
        nonlocal in_flight, peak
        in_flight += 1
        peak = max(peak, in_flight)
        await asyncio.sleep(0.002)
        in_flight -= 1
        image_set_id = request.url.path.split("/")[4]
        if image_set_id == missing:
            return httpx.Response(
                404, headers={"x-amzn-ErrorType": "ResourceNotFoundException"}, json={"message": "no"}
            )
        return httpx.Response(200, json={"SchemaVersion": "1.1", "ImageSetID": image_set_id})

    async def scenario() -> dict[str, Any]:
        async with hic.AsyncClient(**client_kwargs()) as client:
            with respx.mock() as mock:
                mock.post(url__regex=".*").mock(side_effect=respond)
                ids = [*good[:10], missing, *good[10:]]
                return {i: r async for i, r in client.get_image_set_metadata_many(DATASTORE_ID, ids, concurrency=4)}

    results = asyncio.run(scenario())
    assert set(results) == {*good, missing}
    assert isinstance(results[missing], hic.ResourceNotFoundException)
    assert all(results[i]["ImageSetID"] == i for i in good)
    assert peak == 4


def test_fan_out_stops_cleanly_when_left_early() -> None:
    started = 0

    async def respond(request: httpx.Request) -> httpx.Response:
        nonlocal started
        started += 1
        await asyncio.sleep(0.05 if started > 1 else 0)
        return httpx.Response(200, json={"SchemaVersion": "1.1"})

    async def scenario() -> None:
        async with hic.AsyncClient(**client_kwargs()) as client:
            with respx.mock() as mock:
                mock.post(url__regex=".*").mock(side_effect=respond)
                ids = [f"{i:032x}" for i in range(50)]
                many = client.get_image_set_metadata_many(DATASTORE_ID, ids, concurrency=5)
                async for _ in many:
                    break
                await many.aclose()  # type: ignore[attr-defined]
        assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
        assert started <= 6

    asyncio.run(scenario())


def test_a_sync_program_loads_neither_asyncio_nor_aiohttp_nor_a_botocore_session() -> None:
    import subprocess
    import sys

    code = (
        "import sys, healthimaging_client as h\n"
        "h.Client(region_name='us-east-1', aws_access_key_id='a', aws_secret_access_key='b')\n"
        "print(sorted(m for m in ('asyncio', 'aiohttp', 'botocore.session') if m in sys.modules))"
    )
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert finished.stdout.strip() == "[]"


def test_client_runs_without_an_event_loop_and_refuses_to_suspend() -> None:
    """Client drives AsyncClient's coroutines itself: one that awaits anything but its backend is a bug, said so."""
    from healthimaging_client._work_pools import run_to_completion

    async def answer() -> int:
        return 42

    async def suspends() -> None:
        await asyncio.sleep(0)

    assert run_to_completion(answer()) == 42
    with pytest.raises(RuntimeError, match="suspended"):
        run_to_completion(suspends())


def test_the_default_pool_holds_100_connections_on_both_sides() -> None:
    """httpx.Limits() with no arguments is unlimited: the SDK's default must spell out httpx's 100 and 20."""
    from healthimaging_client._transport import default_async_http, default_sync_http

    sync = default_sync_http(httpx.Timeout(5.0), None)
    pool = sync._transport._pool  # type: ignore[attr-defined]
    assert (pool._max_connections, pool._max_keepalive_connections) == (100, 20)
    sync.close()
    transport = default_async_http(httpx.Timeout(5.0), None)._transport  # type: ignore[attr-defined]
    assert transport.limits.max_connections == 100
