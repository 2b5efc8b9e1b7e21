"""The image-set export benchmark's parts: the emulator's server process, and each case, run in a fresh process.

``python -m benchmarks._export_cases serve --instances 200 [--latency 0.02]`` serves one image set
of that many 512x512 12-bit HTJ2K instances (one series, synthetic), each GetImageFrame answered
after ``--latency`` seconds, and prints its endpoint and ids;
``python -m benchmarks._export_cases case NAME ...`` runs one export case against it and prints
its figures as JSON: wall seconds, the process's CPU seconds, and its peak resident memory above
what it held before the case began (imports and the client made; nothing fetched).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import gzip
import json
import os
import pstats
import resource
import sys
import threading
import time
from pathlib import Path
from typing import Any

HTJ2K = "1.2.840.10008.1.2.4.202"
CASES = {
    "ours, Client": {"client": "sync"},
    "ours, AsyncClient": {"client": "async"},
    "ours, Client, concurrency=1": {"client": "sync", "concurrency": 1},
    "ours, Client, fsync": {"client": "sync", "fsync": True},
    "ours, Client, transcode": {"client": "sync", "transcode": True},
    "boto3 + pydicom loop": {"client": "boto3"},
}


# --- the server ---------------------------------------------------------------------------


def serve(instances: int, latency: float) -> None:
    from healthimaging_client.testing import FrameFormat, LocalHealthImaging

    local = LocalHealthImaging(seed=2024)
    image_set_id = local.add_image_set(
        series=[{"Modality": "CT", "SeriesDescription": "BENCHMARK"}],
        instances=instances,
        frame_format=FrameFormat(HTJ2K, 512, 512, bits_stored=12, rescale=(1.0, -1024.0)),
    )
    with local.serve(0) as endpoint, local.client(endpoint_url=endpoint) as client:
        metadata = client.get_image_set_metadata(local.datastore_id, image_set_id)
        for frame in metadata.iter_frames():  # the emulator encodes a frame on first request: do it now
            client.get_image_frame(local.datastore_id, image_set_id, frame.id)
        local.delay_responses(latency, operation="GetImageFrame")  # a region's round trip, when asked for
        print(
            json.dumps(
                {**local.client_config(endpoint), "datastore_id": local.datastore_id, "image_set_id": image_set_id}
            )
        )
        sys.stdout.flush()
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()


# --- the cases ----------------------------------------------------------------------------


def _ours(config: dict[str, Any], directory: Path, settings: dict[str, Any]) -> Any:
    import healthimaging_client as hic
    import healthimaging_client.dicom._files  # pydicom, imported before the clock starts, as the loop's

    if settings.get("transcode"):
        import healthimaging_client.pixels  # NumPy and imagecodecs, likewise

    keys = {k: config[k] for k in ("endpoint_url", "region_name", "aws_access_key_id", "aws_secret_access_key")}
    options = {
        "concurrency": settings.get("concurrency", 16),
        "fsync": settings.get("fsync", False),
        "transcode": settings.get("transcode", False),
    }
    if settings["client"] == "async":
        client = hic.AsyncClient(**keys)

        async def export() -> Any:
            async with client:
                return await client.export_image_set(
                    config["datastore_id"], config["image_set_id"], directory, **options
                )

        return lambda: asyncio.run(export())
    sync = hic.Client(**keys)
    return lambda: sync.export_image_set(config["datastore_id"], config["image_set_id"], directory, **options)


def _boto3(config: dict[str, Any], directory: Path) -> Any:
    """A straightforward loop: boto3 for the calls, pydicom's setattr and encapsulate for the files."""
    import boto3
    from botocore.config import Config
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.encaps import encapsulate
    from pydicom.sequence import Sequence
    from pydicom.uid import UID

    client = boto3.client(
        "medical-imaging",
        endpoint_url=config["endpoint_url"],
        region_name=config["region_name"],
        aws_access_key_id=config["aws_access_key_id"],
        aws_secret_access_key=config["aws_secret_access_key"],
        config=Config(inject_host_prefix=False),  # the loopback server has no runtime- host
    )
    ids = {"datastoreId": config["datastore_id"], "imageSetId": config["image_set_id"]}

    def fill(dataset: Any, attributes: dict[str, Any]) -> None:
        for keyword, value in attributes.items():
            if isinstance(value, list) and value and isinstance(value[0], dict):
                items = []
                for item in value:
                    inner = Dataset()
                    fill(inner, item)
                    items.append(inner)
                value = Sequence(items)
            setattr(dataset, keyword, value)

    def export() -> None:
        body = client.get_image_set_metadata(**ids)["imageSetMetadataBlob"].read()
        document = json.loads(gzip.decompress(body) if body[:2] == b"\x1f\x8b" else body)
        study = document["Study"]
        for series in study["Series"].values():
            for sop, instance in series["Instances"].items():
                dataset = Dataset()
                for level in (document["Patient"], study, series, instance):
                    fill(dataset, level["DICOM"])
                frames = [
                    client.get_image_frame(**ids, imageFrameInformation={"imageFrameId": frame["ID"]})[
                        "imageFrameBlob"
                    ].read()
                    for frame in instance["ImageFrames"]
                ]
                dataset.PixelData = encapsulate(frames)
                dataset["PixelData"].VR = "OB"
                dataset["PixelData"].is_undefined_length = True
                dataset.file_meta = FileMetaDataset()
                dataset.file_meta.MediaStorageSOPClassUID = dataset.SOPClassUID
                dataset.file_meta.MediaStorageSOPInstanceUID = sop
                dataset.file_meta.TransferSyntaxUID = UID(instance.get("StoredTransferSyntaxUID", HTJ2K))
                path = directory / study["DICOM"]["StudyInstanceUID"] / dataset.SeriesInstanceUID / f"{sop}.dcm"
                path.parent.mkdir(parents=True, exist_ok=True)
                dataset.save_as(path, enforce_file_format=True)

    return export


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def case(name: str, config: dict[str, Any], directory: Path) -> dict[str, float]:
    settings = CASES[name]
    run = _boto3(config, directory) if settings["client"] == "boto3" else _ours(config, directory, settings)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    cpu, started = _cpu(), time.perf_counter()
    run()
    seconds = time.perf_counter() - started
    files = sum(1 for _ in directory.rglob("*.dcm"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"seconds": seconds, "cpu": _cpu() - cpu, "files": files, "peak_growth_mib": (peak - before) / 1024}


# --- where the client's CPU goes ----------------------------------------------------------

_PACKAGES = (
    ("/healthimaging_client/", "healthimaging-client"),
    ("/pydicom/", "pydicom"),
    ("/httpx/", "httpx + httpcore + h11"),
    ("/httpcore/", "httpx + httpcore + h11"),
    ("/h11/", "httpx + httpcore + h11"),
    ("/botocore/", "botocore (SigV4)"),
    ("/tenacity/", "tenacity"),
    ("/cattrs/", "attrs + cattrs"),
    ("/attr/", "attrs + cattrs"),
    ("/concurrent/", "threads (pool, locks)"),
    ("/threading.py", "threads (pool, locks)"),
)


def _package(filename: str, function: str) -> str | None:
    """The group a function's own time counts to; None for a builtin that counts to its caller's."""
    if filename == "~":
        if any(word in function for word in ("recv", "send", "socket", "select", "poll")):
            return "socket I/O (kernel)"
        if any(word in function for word in ("BufferedWriter", "open", "fsync", "rename", "replace", "stat", "mkdir")):
            return "file I/O (kernel)"
        if "acquire" in function or "wait" in function:
            return "threads (pool, locks)"
        return None  # isinstance, dict.get, bytes.join ...: work done for the code that called it
    for marker, group in _PACKAGES:
        if marker in filename:
            return group
    return "stdlib, other"


def profile(config: dict[str, Any], directory: Path) -> dict[str, float]:
    """Each package's share of the client's CPU time (every thread's), exporting with Client at its defaults.

    A builtin's time (``isinstance``, ``bytes.join``, zlib ...) counts to the package that called it;
    kernel work (sockets, file writes) and waiting on locks count on their own.
    """
    profiles: list[cProfile.Profile] = []
    original = threading.Thread.run

    def profiled(self: threading.Thread) -> None:
        worker = cProfile.Profile(time.thread_time)  # CPU time of this thread only
        profiles.append(worker)
        worker.enable()
        try:
            original(self)
        finally:
            worker.disable()

    threading.Thread.run = profiled  # type: ignore[method-assign]
    run = _ours(config, directory, CASES["ours, Client"])
    main = cProfile.Profile(time.thread_time)
    main.enable()
    run()
    main.disable()
    threading.Thread.run = original  # type: ignore[method-assign]
    own: dict[str, float] = {}
    for made in (main, *profiles):
        stats = pstats.Stats(made).stats  # type: ignore[attr-defined]
        for (filename, _, function), (_, _, tottime, _, callers) in stats.items():
            group = _package(filename, function)
            if group is not None:
                own[group] = own.get(group, 0.0) + tottime
                continue
            for (caller_file, _, caller_function), (_, _, time_for_caller, _) in callers.items():
                name = _package(caller_file, caller_function) or "builtins called by builtins"
                own[name] = own.get(name, 0.0) + time_for_caller
    whole = sum(own.values()) or 1.0
    return {"cpu_seconds": whole, **dict(sorted(((k, v / whole) for k, v in own.items()), key=lambda kv: -kv[1]))}


def main() -> None:
    parser = argparse.ArgumentParser()
    commands = parser.add_subparsers(dest="command", required=True)
    serving = commands.add_parser("serve")
    serving.add_argument("--instances", type=int, default=200)
    serving.add_argument("--latency", type=float, default=0.0)
    running = commands.add_parser("case")
    running.add_argument("name", choices=[*CASES, "profile"])
    running.add_argument("--config", required=True)
    running.add_argument("--directory", required=True)
    args = parser.parse_args()
    if args.command == "serve":
        serve(args.instances, args.latency)
        return
    config = json.loads(args.config)
    directory = Path(args.directory)
    result = profile(config, directory) if args.name == "profile" else case(args.name, config, directory)
    print(json.dumps(result))


if __name__ == "__main__":
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    main()
