"""Save a series as a NumPy volume and a PNG thumbnail of its middle slice.

With no arguments it runs against the local emulator, on a synthetic CT series, with no AWS
account (it needs the pixels extra: pip install 'healthimaging-client[pixels]'):

    python examples/save_series.py

Against your own datastore (region and credentials come from the usual AWS chain); the series is
the image set's largest unless you name one:

    python examples/save_series.py --datastore-id <id> --image-set-id <id> [--series-instance-uid <uid>] [--out DIR]

It writes ``series.npy`` (slices x rows x columns, in physical units when the series has a
modality rescale, along the slice normal) and ``middle_slice.png`` (8-bit, at most 256 pixels
wide) to ``--out``, a new temporary directory by default. The PNG is written by imagecodecs'
libpng encoder, which the pixels extra installs already: no other imaging library needed.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path
from typing import Any

import imagecodecs
import numpy as np
from numpy.typing import NDArray

import healthimaging_client as hic

THUMBNAIL_WIDTH = 256


def demo_emulator() -> tuple[hic.Client, str, str]:
    """A client of a local emulator holding one synthetic CT image set: 24 slices of 12-bit HTJ2K."""
    from healthimaging_client.testing import FrameFormat, LocalHealthImaging

    local = LocalHealthImaging(seed=0)
    ct = FrameFormat(rows=256, columns=256, bits_stored=12, rescale=(1.0, -1024.0))
    image_set_id = local.add_image_set(series=[{"Modality": "CT", "SeriesNumber": 2}], instances=24, frame_format=ct)
    return local.client(), local.datastore_id, image_set_id


def choose_series(metadata: hic.ImageSetMetadata, uid: str | None) -> hic.Series:
    """The series named, or the one with the most frames."""
    series = metadata.study.series
    if uid is not None:
        return series[uid]
    return max(series.values(), key=lambda s: sum(len(i.image_frames) for i in s.instances.values()))


def thumbnail(slice_: NDArray[Any]) -> NDArray[np.uint8]:
    """An 8-bit image of one slice: its 1st to 99th percentile stretched over 0-255, at most 256 pixels wide."""
    low, high = np.percentile(slice_, [1, 99])
    scaled = (slice_.astype(np.float32) - low) * (255.0 / max(float(high - low), 1e-6))
    step = max(1, -(-slice_.shape[1] // THUMBNAIL_WIDTH))
    image: NDArray[np.uint8] = np.clip(scaled, 0, 255).astype(np.uint8)
    return image[::step, ::step]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datastore-id", help="your datastore (default: a local emulator with synthetic data)")
    parser.add_argument("--image-set-id", help="the image set (needed with --datastore-id)")
    parser.add_argument("--series-instance-uid", help="the series (default: the one with the most frames)")
    parser.add_argument("--out", type=Path, help="where to write (default: a new temporary directory)")
    args = parser.parse_args()

    if args.datastore_id:
        if not args.image_set_id:
            parser.error("--image-set-id is needed with --datastore-id")
        client, datastore_id, image_set_id = hic.Client(), args.datastore_id, args.image_set_id
        print(f"Using datastore {datastore_id} in {client.region_name}")
    else:
        client, datastore_id, image_set_id = demo_emulator()
        print(f"Using a local emulator (datastore {datastore_id}, synthetic data)")
    out = args.out or Path(tempfile.mkdtemp(prefix="healthimaging-series-"))
    out.mkdir(parents=True, exist_ok=True)

    with client:
        metadata = client.get_image_set_metadata(datastore_id, image_set_id)
        series = choose_series(metadata, args.series_instance_uid)
        # Rescale (to Hounsfield units for CT) only when the series says how.
        rescaled = any("RescaleSlope" in instance.dicom for instance in series.instances.values())
        volume = client.get_series_volume(datastore_id, image_set_id, series, rescale=rescaled)

    np.save(out / "series.npy", volume.array)
    middle = volume.array[len(volume.frame_ids) // 2]
    (out / "middle_slice.png").write_bytes(imagecodecs.png_encode(thumbnail(middle)))
    print(f"Volume {volume.array.shape} {volume.array.dtype}, slices ordered by {volume.ordered_by}")
    print(f"Spacing (slice, row, column) in mm: {volume.spacing}")
    print(f"Wrote {out / 'series.npy'} and {out / 'middle_slice.png'}")


if __name__ == "__main__":
    main()
