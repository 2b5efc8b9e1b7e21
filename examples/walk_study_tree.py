"""Walk an image set's metadata: Patient > Study > Series > Instances > ImageFrames.

With no arguments it runs against the local emulator, on synthetic data, with no AWS account:

    python examples/walk_study_tree.py

Against your own image set (region and credentials come from the usual AWS chain); it only reads:

    python examples/walk_study_tree.py --datastore-id <id> --image-set-id <id>

It prints structure, modalities and frame ids, never names or other patient data.
"""

from __future__ import annotations

import argparse
import tempfile
from collections import Counter
from pathlib import Path

import healthimaging_client as hic


def demo_emulator() -> tuple[hic.Client, str, str]:
    """A client of a local emulator holding one synthetic CT study of two series."""
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=1)
    image_set_id = local.add_image_set(
        patient={"PatientID": "DEMO-0002", "PatientName": "DOE^JANE"},
        study={"StudyDate": "20240315", "StudyDescription": "DEMO CHEST"},
        series=[{"Modality": "CT", "SeriesNumber": 1}, {"Modality": "CT", "SeriesNumber": 2}],
        instances=3,
        frames=2,
    )
    return local.client(), local.datastore_id, image_set_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datastore-id", help="your datastore (default: a local emulator with synthetic data)")
    parser.add_argument("--image-set-id", help="the image set to walk (with --datastore-id)")
    args = parser.parse_args()

    if args.datastore_id and args.image_set_id:
        client, datastore_id, image_set_id = hic.Client(), args.datastore_id, args.image_set_id
    else:
        client, datastore_id, image_set_id = demo_emulator()
        print(f"Using a local emulator (datastore {datastore_id}, synthetic data)")

    with client:
        # A write in progress locks the image set: wait until its latest version is settled.
        version = client.wait_for_image_set(datastore_id, image_set_id, timeout=300)
        print(f"Image set {image_set_id}, version {version.version_id} ({version.image_set_workflow_status})")

        meta = client.get_image_set_metadata(datastore_id, image_set_id)
        study = meta.study
        print(f"Study date {study.date}, {len(study.series)} series")  # a datetime.date, parsed from StudyDate
        for series in study.series.values():
            syntaxes = Counter(instance.transfer_syntax_uid for instance in series.instances.values())
            print(f"  series #{series.number} {series.modality}: {len(series.instances)} instances, {dict(syntaxes)}")

        # Every frame, with the UIDs needed to fetch its pixel data.
        frames = list(meta.iter_frames())
        sizes = sum(frame.frame_size_in_bytes or 0 for frame in frames)
        print(f"{len(frames)} frames, {sizes / 1e6:.1f} MB of pixel data; first frame id {frames[0].id}")
        print(f"repr shows no patient data: {meta.patient!r}")

        # Large documents can go straight to a file without being held in memory.
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "metadata.json"
            client.download_image_set_metadata(datastore_id, image_set_id, path)
            print(f"Downloaded the document: {path.stat().st_size} bytes of JSON")


if __name__ == "__main__":
    main()
