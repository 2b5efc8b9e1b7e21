"""Temporary credentials refresh through botocore's chain, and off the event loop in AsyncClient."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

import botocore.session
import httpx
import respx
from botocore.credentials import CredentialProvider, RefreshableCredentials

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Harness


class ExpiringProvider(CredentialProvider):  # type: ignore[misc]
    """Hands out credentials that have always just expired, so every use refreshes them."""

    METHOD = "test-expiring"
    CANONICAL_NAME = "TestExpiring"

    def __init__(self) -> None:
        super().__init__()
        self.refresh_threads: list[int] = []
        self.loads = 0

    def _metadata(self) -> dict[str, Any]:
        number = len(self.refresh_threads)
        expiry = datetime.now(UTC) + timedelta(seconds=30)  # inside botocore's mandatory window
        return {
            "access_key": f"AKIDTEMP{number:04d}",
            "secret_key": f"temp-secret-{number}",
            "token": f"temp-token-{number}",
            "expiry_time": expiry.isoformat(),
        }

    def _refresh(self) -> dict[str, Any]:
        self.refresh_threads.append(threading.get_ident())
        return self._metadata()

    def load(self) -> RefreshableCredentials:
        self.loads += 1
        return RefreshableCredentials.create_from_metadata(self._metadata(), self._refresh, self.METHOD)


def test_expiring_credentials_are_refreshed_for_each_call(sdk: Harness) -> None:
    session = botocore.session.Session()
    provider = ExpiringProvider()
    session.get_component("credential_provider").insert_before("env", provider)
    client = sdk.client(
        aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None, botocore_session=session
    )
    loop_thread = threading.get_ident()
    with respx.mock() as mock:
        route = mock.post(url__regex=".*").mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        for _ in range(3):
            sdk.run(client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    assert provider.loads == 1
    assert len(provider.refresh_threads) >= 3
    keys = [call.request.headers["authorization"].split("Credential=")[1].split("/")[0] for call in route.calls]
    assert len(set(keys)) == 3  # each call signed with the refreshed key
    tokens = {call.request.headers["x-amz-security-token"] for call in route.calls}
    assert len(tokens) == 3
    if sdk.kind == "async":
        assert loop_thread not in provider.refresh_threads  # never on the event loop
