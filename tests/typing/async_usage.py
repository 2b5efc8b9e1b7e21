"""What a user of AsyncClient writes; every line must type-check."""

from __future__ import annotations

import asyncio
from typing import assert_type, reveal_type

import httpx

from healthimaging_client import (
    AsyncClient,
    HealthImagingError,
    ImageSetMetadata,
    ImageSetProperties,
    ResourceNotFoundException,
    SearchImageSetsOutput,
)


async def fan_out(datastore_id: str, image_set_ids: list[str]) -> dict[str, ImageSetMetadata]:
    found: dict[str, ImageSetMetadata] = {}
    async with AsyncClient(region_name="us-east-1", limits=httpx.Limits(max_connections=64)) as client:
        async for image_set_id, result in client.get_image_set_metadata_many(datastore_id, image_set_ids):
            reveal_type(result)  # revealed: ImageSetMetadata | HealthImagingError
            if isinstance(result, HealthImagingError):
                continue
            found[image_set_id] = result
    return found


async def paginate(client: AsyncClient, datastore_id: str, image_set_id: str) -> list[ImageSetProperties]:
    out = await client.search_image_sets(datastore_id, max_results=5)
    assert_type(out, SearchImageSetsOutput)
    async for summary in client.iter_image_sets(datastore_id, max_items=20):
        reveal_type(summary)  # revealed: ImageSetsMetadataSummary
    async for page in client.iter_image_set_pages(datastore_id, page_size=10):
        reveal_type(page)  # revealed: Page[ImageSetsMetadataSummary, SearchImageSetsOutput]
    async for version_page in client.iter_image_set_version_pages(datastore_id, image_set_id):
        reveal_type(version_page.output)  # revealed: ListImageSetVersionsOutput
    return [version async for version in client.iter_image_set_versions(datastore_id, image_set_id)]


async def bring_your_own(http: httpx.AsyncClient, datastore_id: str, image_set_id: str) -> ImageSetMetadata | None:
    client = AsyncClient(region_name="eu-west-1", http_client=http)
    try:
        return await asyncio.wait_for(client.get_image_set_metadata(datastore_id, image_set_id), timeout=10)
    except ResourceNotFoundException:
        return None
    finally:
        await client.aclose()
