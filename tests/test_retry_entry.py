"""tenacity is entered only after a failed first attempt, and imported only then (a call that succeeds needs none)."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import httpx
import pytest
import respx
import tenacity

import healthimaging_client as hic

from .conftest import DATASTORE_ID, ENDPOINT, IMAGE_SET_ID, Harness

SEARCH_URL = f"{ENDPOINT}/datastore/{DATASTORE_ID}/searchImageSets"
SEARCH_OK = {"imageSetsMetadataSummaries": [{"imageSetId": IMAGE_SET_ID}]}


def _refused(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("tenacity was entered for a call whose first attempt succeeded")


def test_a_first_attempt_that_succeeds_never_enters_tenacity(sdk: Harness, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tenacity, "AsyncRetrying", _refused)
    with respx.mock(using="httpx") as mock:
        mock.post(SEARCH_URL).mock(return_value=httpx.Response(200, json=SEARCH_OK))
        out = sdk.run(sdk.client().search_image_sets(DATASTORE_ID))
    assert out.image_sets_metadata_summaries[0].image_set_id == IMAGE_SET_ID


def test_a_failed_first_attempt_is_decided_by_tenacity_and_retried(sdk: Harness) -> None:
    with respx.mock(using="httpx") as mock:
        route = mock.post(SEARCH_URL).mock(side_effect=[httpx.Response(503), httpx.Response(200, json=SEARCH_OK)])
        client = sdk.client(retry=hic.RetryConfig(max_attempts=2))
        out = sdk.run(client.search_image_sets(DATASTORE_ID))
    assert out.image_sets_metadata_summaries[0].image_set_id == IMAGE_SET_ID
    assert route.call_count == 2 and len(sdk.clock.sleeps) == 1


def test_a_failure_that_is_not_retried_is_raised_once_with_its_attempt_count(sdk: Harness) -> None:
    with respx.mock(using="httpx") as mock:
        route = mock.post(SEARCH_URL).mock(return_value=httpx.Response(404))
        with pytest.raises(hic.ResourceNotFoundException) as caught:
            sdk.run(sdk.client().search_image_sets(DATASTORE_ID))
    assert route.call_count == 1 and caught.value.attempts == 1 and not sdk.clock.sleeps
    assert caught.value.__context__ is None


def test_importing_the_package_leaves_tenacity_unloaded() -> None:
    code = "import sys, healthimaging_client; print('tenacity' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout == "False\n"
