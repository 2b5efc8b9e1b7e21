"""``python -m healthimaging_client.testing serve``: the emulator on a loopback port.

On start it prints ``KEY=value`` lines (endpoint, datastore, region, test
credentials) for scripts to read, then serves until interrupted.
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import threading

from ._local import LocalHealthImaging


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m healthimaging_client.testing")
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="serve the emulator on 127.0.0.1")
    serve.add_argument("--port", type=int, default=8080, help="port to listen on (0 picks a free one)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--seed", type=int, default=0, help="seed of the synthetic data")
    serve.add_argument("--image-sets", type=int, default=20, help="synthetic image sets to start with")
    serve.add_argument("--region", default="us-east-1", help="region clients must sign for")
    serve.add_argument("--state-delay", type=float, default=0.0, help="seconds an image set stays LOCKED")
    serve.add_argument("--datastore-delay", type=float, default=0.0, help="seconds a datastore is CREATING/DELETING")
    serve.add_argument(
        "--import-delay", type=float, default=0.0, help="seconds an import job is SUBMITTED, then running"
    )
    serve.add_argument(
        "--pixel-showcase", action="store_true", help="add an image set with a series per stored pixel format"
    )
    args = parser.parse_args(argv)

    emulator = LocalHealthImaging(
        seed=args.seed,
        image_sets=args.image_sets,
        region_name=args.region,
        state_delay=args.state_delay,
        datastore_delay=args.datastore_delay,
        import_delay=args.import_delay,
    )
    showcase = emulator.add_pixel_showcase() if args.pixel_showcase else None
    with emulator.serve(args.port, args.host) as endpoint_url:
        config = emulator.client_config(endpoint_url)
        lines = [f"{key}={config[key]}" for key in ("endpoint_url", "region_name")]
        lines.insert(1, f"datastore_id={emulator.datastore_id}")
        lines += [f"{key}={config[key]}" for key in ("aws_access_key_id", "aws_secret_access_key")]
        if showcase is not None:
            lines.append(f"pixel_image_set_id={showcase}")
        print("\n".join(lines), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            threading.Event().wait()
    return 0


if __name__ == "__main__":
    sys.exit(main())
