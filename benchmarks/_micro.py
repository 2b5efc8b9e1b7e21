"""Micro-costs of the pieces one call is made of, each timed alone (CPU µs, median of 5 runs).

Only public APIs of each library are used, so the figures stay valid after our client layer
changes: per-item model building is the difference between two searches that differ only
in the number of results.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import statistics
import time
from collections.abc import Callable
from typing import Any

from . import _inputs as i
from . import _responses


def _cpu_us(fn: Callable[[], object], n: int) -> float:
    runs = []
    for _ in range(5):
        started = time.process_time()
        for _ in range(n):
            fn()
        runs.append((time.process_time() - started) / n * 1e6)
    return statistics.median(runs)


def _signing(n: int) -> list[tuple[str, float, str]]:
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import ReadOnlyCredentials

    credentials = ReadOnlyCredentials(i.ACCESS_KEY, i.SECRET_KEY, None)
    url = f"http://127.0.0.1:1/datastore/{i.DATASTORE_ID}/imageSet/{i.IMAGE_SET_ID}/getImageSetMetadata"
    signer = SigV4Auth(credentials, i.SERVICE, i.REGION)

    def fresh() -> None:
        SigV4Auth(credentials, i.SERVICE, i.REGION).add_auth(AWSRequest(method="POST", url=url, headers={}, data=b""))

    def reused() -> None:
        signer.add_auth(AWSRequest(method="POST", url=url, headers={}, data=b""))

    return [
        (
            "botocore AWSRequest + SigV4Auth(...).add_auth",
            _cpu_us(fresh, n),
            "a new signer per call, as the SDK did before issue 19",
        ),
        ("botocore AWSRequest + add_auth, signer reused", _cpu_us(reused, n), "one SigV4Auth for the client"),
    ]


def _httpx(endpoint: str, n: int) -> list[tuple[str, float, str]]:
    import httpx

    client = httpx.Client()
    url = f"{endpoint}/datastore/{i.DATASTORE_ID}/imageSet/{i.IMAGE_SET_ID}/getImageSetMetadata"
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import ReadOnlyCredentials

    aws = AWSRequest(method="POST", url=url, headers={}, data=b"")
    SigV4Auth(ReadOnlyCredentials(i.ACCESS_KEY, i.SECRET_KEY, None), i.SERVICE, i.REGION).add_auth(aws)
    headers = {"X-Amz-Date": aws.headers["X-Amz-Date"], "Authorization": aws.headers["Authorization"]}
    request = client.build_request("POST", url, headers=headers, content=b"")

    def send_streamed() -> None:
        response = client.send(request, stream=True)
        b"".join(response.iter_raw())
        response.close()

    def build() -> None:
        client.build_request("POST", url, headers=headers, content=b"")

    def direct() -> None:
        httpx.Request("POST", url, headers=headers, content=b"")

    response = client.send(request)
    cookies = httpx.Cookies()
    transport = client._transport

    def transport_only() -> None:
        response = transport.handle_request(request)
        response.read()
        response.close()

    rows = [
        (
            "httpx.Client.send of a prebuilt request, streamed, raw body",
            _cpu_us(send_streamed, n),
            "Get 3 KB, loopback",
        ),
        ("httpx transport.handle_request of the same request", _cpu_us(transport_only, n), "the pool alone"),
        (
            "httpx Cookies.extract_cookies of one response",
            _cpu_us(lambda: cookies.extract_cookies(response), n),
            "what Client.send does to every response",
        ),
        ("httpx.Client.build_request", _cpu_us(build, n), "merges the client's defaults"),
        ("httpx.Request(...) built directly", _cpu_us(direct, n), ""),
    ]
    client.close()
    return rows


def _parsing(n: int) -> list[tuple[str, float, str]]:
    rows = []
    for row in ("3 KB", "18 KB"):
        image_set = i.IMAGE_SET_ID if row == "3 KB" else i.LARGE_IMAGE_SET_ID
        blob = _responses.METADATA_GZIP[image_set]
        rows.append(
            (
                f"gunzip + json.loads, metadata {row}",
                _cpu_us(lambda blob=blob: json.loads(gzip.decompress(blob)), n),
                "",
            )
        )
        try:
            import orjson
        except ImportError:
            continue
        rows.append(
            (
                f"gunzip + orjson.loads, metadata {row}",
                _cpu_us(lambda blob=blob: orjson.loads(gzip.decompress(blob)), n),
                "",
            )
        )
    return rows


def _models(n: int) -> list[tuple[str, float, str]]:
    """Per-item cost of a search result in our models, from two calls through a mock transport."""
    import httpx

    import healthimaging_client as hic

    def handler(request: httpx.Request) -> httpx.Response:
        size = int(request.url.params.get("maxResults", "1"))
        return httpx.Response(
            200, content=_responses.search_page(0, size), headers={"Content-Type": "application/json"}
        )

    client = hic.Client(
        region_name=i.REGION,
        aws_access_key_id=i.ACCESS_KEY,
        aws_secret_access_key=i.SECRET_KEY,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    big, small = 50, 1
    per_call = {
        size: _cpu_us(lambda size=size: client.search_image_sets(i.DATASTORE_ID, max_results=size), n // 4)
        for size in (big, small)
    }
    pages = {size: _responses.search_page(0, size) for size in (big, small)}
    json_only = {size: _cpu_us(lambda size=size: json.loads(pages[size]), n) for size in (big, small)}
    return [
        (
            "a search result in our models, per item",
            (per_call[big] - per_call[small]) / (big - small),
            "SearchImageSets of 50 vs 1 results (mock transport)",
        ),
        ("a search result's json.loads alone, per item", (json_only[big] - json_only[small]) / (big - small), ""),
    ]


def _tenacity(n: int) -> list[tuple[str, float, str]]:
    import tenacity

    def args() -> dict[str, Any]:
        return {
            "stop": tenacity.stop_after_attempt(3),
            "wait": lambda state: 0.0,
            "retry": lambda state: False,
            "reraise": True,
        }

    def sync_call() -> None:
        for attempt in tenacity.Retrying(**args()):
            with attempt:
                pass

    async def async_calls(count: int) -> None:
        for _ in range(count):
            async for attempt in tenacity.AsyncRetrying(**args()):
                with attempt:
                    pass

    async def bare(count: int) -> None:
        for _ in range(count):
            pass

    def timed_async(coro: Callable[[int], Any]) -> float:
        started = time.process_time()
        asyncio.run(coro(n))
        return (time.process_time() - started) / n * 1e6

    return [
        ("tenacity.Retrying around a first attempt that succeeds", _cpu_us(sync_call, n), "sync"),
        (
            "tenacity.AsyncRetrying around a first attempt that succeeds",
            statistics.median(timed_async(async_calls) - timed_async(bare) for _ in range(5)),
            "async",
        ),
    ]


def run(endpoint: str, *, quick: bool) -> list[tuple[str, float, str]]:
    n = 200 if quick else 2000
    return [*_signing(n), *_httpx(endpoint, n), *_parsing(n), *_models(n), *_tenacity(n)]
