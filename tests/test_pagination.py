"""Paginators on both clients: pages, max_items, resuming, the repeated-token guard, early exit."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Harness, client_kwargs

TOKENS = [None, "page+2/==", "page+3/=="]  # the token that fetches each page


def _ids(page: int, size: int = 3) -> list[str]:
    return [f"{page:016x}{i:016x}" for i in range(size)]


def search_service(pages: int = 3, repeat_token: bool = False) -> Any:
    """A respx side effect serving `pages` pages of 3 image sets, chained by next tokens."""

    def respond(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("nextToken")
        index = TOKENS.index(token)
        body: dict[str, Any] = {"imageSetsMetadataSummaries": [{"imageSetId": i, "version": 1} for i in _ids(index)]}
        if repeat_token:
            body["nextToken"] = TOKENS[1]
        elif index + 1 < pages:
            body["nextToken"] = TOKENS[index + 1]
        return httpx.Response(200, json=body)

    return respond


ALL_IDS = _ids(0) + _ids(1) + _ids(2)


def test_items_across_three_pages_with_criteria_kept(sdk: Harness) -> None:
    sort = hic.Sort(sort_order="ASC", sort_field="createdAt")
    filters = [hic.SearchFilter(values=[hic.SearchByAttributeValue(is_primary=True)], operator="EQUAL")]
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(side_effect=search_service())
        client = sdk.client()
        items = sdk.collect(client.iter_image_sets(DATASTORE_ID, filters=filters, sort=sort, page_size=3))
    assert [s.image_set_id for s in items] == ALL_IDS
    assert route.call_count == 3
    bodies = [json.loads(call.request.content) for call in route.calls]
    assert all(body == bodies[0] for body in bodies)
    assert bodies[0]["sort"] == {"sortOrder": "ASC", "sortField": "createdAt"}
    assert [call.request.url.params.get("maxResults") for call in route.calls] == ["3", "3", "3"]
    assert [call.request.url.params.get("nextToken") for call in route.calls] == TOKENS


def test_pages_carry_resume_tokens(sdk: Harness) -> None:
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(side_effect=search_service())
        pages = sdk.collect(sdk.client().iter_image_set_pages(DATASTORE_ID))
    assert [len(p.items) for p in pages] == [3, 3, 3]
    assert [p.next_token for p in pages] == [TOKENS[1], TOKENS[2], None]
    assert isinstance(pages[0].output, hic.SearchImageSetsOutput)


def test_max_items_mid_page_then_resume_exactly_after(sdk: Harness) -> None:
    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(side_effect=search_service())
        client = sdk.client()
        pages = sdk.collect(client.iter_image_set_pages(DATASTORE_ID, max_items=4))
        assert [s.image_set_id for p in pages for s in p.items] == ALL_IDS[:4]
        resume = pages[-1].next_token
        assert resume is not None
        rest = sdk.collect(client.iter_image_sets(DATASTORE_ID, starting_token=resume))
        assert [s.image_set_id for s in rest] == ALL_IDS[4:]
        # A service token works as a starting token too.
        tail = sdk.collect(client.iter_image_sets(DATASTORE_ID, starting_token=TOKENS[2]))
        assert [s.image_set_id for s in tail] == ALL_IDS[6:]


def test_max_items_on_a_page_boundary_resumes_with_the_service_token(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(side_effect=search_service())
        pages = sdk.collect(sdk.client().iter_image_set_pages(DATASTORE_ID, max_items=3))
    assert route.call_count == 1
    assert pages[-1].next_token == TOKENS[1]


def scripted_tokens(*tokens: str) -> Any:
    """A respx side effect whose n-th page names ``tokens[n]`` as the next token; it gives up after a few pages,
    so a paginator that loops fails fast instead of hanging."""
    calls = iter(range(len(tokens)))

    def respond(request: httpx.Request) -> httpx.Response:
        index = next(calls, None)
        if index is None:
            return httpx.Response(400, json={"message": "the paginator looped"})
        body = {"imageSetsMetadataSummaries": [{"imageSetId": i, "version": 1} for i in _ids(index)]}
        return httpx.Response(200, json={**body, "nextToken": tokens[index]})

    return respond


def test_a_repeated_token_raises_instead_of_looping(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(side_effect=search_service(repeat_token=True))
        with pytest.raises(hic.PaginationError):
            sdk.collect(sdk.client().iter_image_sets(DATASTORE_ID))
    assert route.call_count == 2


def test_a_token_cycle_raises_where_it_closes(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(side_effect=scripted_tokens("A", "B", "A", "B", "A", "B"))
        with pytest.raises(hic.PaginationError):
            sdk.collect(sdk.client(retry=hic.RetryConfig(max_attempts=1)).iter_image_sets(DATASTORE_ID))
    assert [call.request.url.params.get("nextToken") for call in route.calls] == [None, "A", "B"]


def test_the_starting_token_given_back_raises(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(side_effect=scripted_tokens("S", "S", "S"))
        client = sdk.client(retry=hic.RetryConfig(max_attempts=1))
        with pytest.raises(hic.PaginationError):
            sdk.collect(client.iter_image_sets(DATASTORE_ID, starting_token="S"))
    assert route.call_count == 1


def test_an_empty_token_ends_the_iteration(sdk: Harness) -> None:
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(
            return_value=httpx.Response(200, json={"imageSetPropertiesList": [], "nextToken": ""})
        )
        assert sdk.collect(sdk.client().iter_image_set_versions(DATASTORE_ID, IMAGE_SET_ID)) == []
    assert route.call_count == 1


def test_version_pages(sdk: Harness) -> None:
    def respond(request: httpx.Request) -> httpx.Response:
        token = request.url.params.get("nextToken")
        start = int(token) if token else 5
        versions = [
            {"imageSetId": IMAGE_SET_ID, "versionId": str(v), "imageSetState": "ACTIVE"} for v in (start, start - 1)
        ]
        body: dict[str, Any] = {"imageSetPropertiesList": versions}
        if start - 2 > 0:
            body["nextToken"] = str(start - 2)
        return httpx.Response(200, json=body)

    with respx.mock() as mock:
        mock.post(url__regex=".*").mock(side_effect=respond)
        versions = sdk.collect(sdk.client().iter_image_set_versions(DATASTORE_ID, IMAGE_SET_ID, page_size=2))
    assert [v.version_id for v in versions] == ["5", "4", "3", "2", "1", "0"]
    assert versions[0].image_set_state is hic.ImageSetState.ACTIVE


def test_bad_arguments_fail_before_iteration_sends_anything(sdk: Harness) -> None:
    with respx.mock(assert_all_called=False) as mock:
        route = mock.post(url__regex=".*")
        client = sdk.client()
        with pytest.raises(hic.ParamValidationError):
            sdk.collect(client.iter_image_sets(DATASTORE_ID, page_size=500))
        with pytest.raises(hic.ParamValidationError):
            sdk.collect(client.iter_image_sets(DATASTORE_ID, max_items=0))
        with pytest.raises(hic.ParamValidationError):
            sdk.collect(client.iter_image_sets(DATASTORE_ID, starting_token="hic1:not-base64!"))
    assert not route.called


def test_breaking_out_early_sends_no_further_request() -> None:
    with respx.mock() as mock, hic.Client(**client_kwargs()) as client:
        route = mock.post(url__regex=".*").mock(side_effect=search_service())
        for summary in client.iter_image_sets(DATASTORE_ID):
            assert summary.image_set_id == ALL_IDS[0]
            break
    assert route.call_count == 1


def test_async_break_and_cancellation_leave_nothing_pending() -> None:
    async def scenario() -> None:
        release = asyncio.Event()

        async def slow(request: httpx.Request) -> httpx.Response:
            if request.url.params.get("nextToken"):
                await release.wait()
            return search_service()(request)

        async with hic.AsyncClient(**client_kwargs()) as client:
            with respx.mock() as mock:
                route = mock.post(url__regex=".*").mock(side_effect=slow)
                iterator = client.iter_image_sets(DATASTORE_ID)
                async for _ in iterator:
                    break
                await iterator.aclose()  # type: ignore[attr-defined]
                assert route.call_count == 1

                async def consume() -> list[Any]:
                    return [s async for s in client.iter_image_sets(DATASTORE_ID)]

                task = asyncio.create_task(consume())
                while route.call_count < 2:
                    await asyncio.sleep(0.001)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
                assert route.call_count == 2  # cancelled while the second page was in flight
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        assert pending == []

    asyncio.run(scenario())
