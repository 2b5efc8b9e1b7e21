"""Copy one series of an image set into another image set of the same study, and wait for both.

With no arguments it runs against the local emulator, on synthetic data, with no AWS account:

    python examples/copy_series.py

Against your own datastore (this writes to the destination image set):

    python examples/copy_series.py --datastore-id <id> --source <image set id> --destination <image set id>
"""

from __future__ import annotations

import argparse

import healthimaging_client as hic


def demo_emulator() -> tuple[hic.Client, str, str, str]:
    """A local emulator with two image sets of one synthetic study: a CT and an MR series."""
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=3, state_delay=1.0)
    patient = {"PatientID": "DEMO-0004", "PatientName": "DOE^JANE"}
    study = {"StudyInstanceUID": "2.25.1234567890123456789", "StudyDate": "20240611", "StudyDescription": "DEMO"}
    source = local.add_image_set(patient=patient, study=study, series=[{"Modality": "CT"}], instances=4)
    destination = local.add_image_set(patient=patient, study=study, series=[{"Modality": "MR"}], instances=2)
    return local.client(), local.datastore_id, source, destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datastore-id", help="your datastore (default: a local emulator with synthetic data)")
    parser.add_argument("--source", help="the image set to copy a series from")
    parser.add_argument("--destination", help="the image set to copy it into")
    args = parser.parse_args()

    if args.datastore_id and args.source and args.destination:
        client, datastore_id, source, destination = hic.Client(), args.datastore_id, args.source, args.destination
    else:
        client, datastore_id, source, destination = demo_emulator()
        print(f"Using a local emulator (datastore {datastore_id}, synthetic data)")

    with client:
        source_version = client.wait_for_image_set(datastore_id, source, poll_interval=0.25).version_id
        destination_version = client.wait_for_image_set(datastore_id, destination, poll_interval=0.25).version_id
        meta = client.get_image_set_metadata(datastore_id, source)
        series_uid = next(iter(meta.study.series))
        before = len(client.get_image_set_metadata(datastore_id, destination).study.series)

        # Name only the series: the builder lists its instances from the source's metadata.
        subset = hic.CopySubsetBuilder(meta).add_series(series_uid)
        copied = client.copy_image_set(
            datastore_id,
            source,
            source_latest_version_id=source_version,
            copiable_attributes=subset,
            destination_image_set_id=destination,
            destination_latest_version_id=destination_version,
        )
        target = copied.destination_image_set_properties
        print(f"Copy sent: destination version {target.latest_version_id} is {target.image_set_state}")

        client.wait_for_image_set(datastore_id, source, poll_interval=0.25)
        done = client.wait_for_image_set(datastore_id, destination, poll_interval=0.25)
        after = client.get_image_set_metadata(datastore_id, destination).study.series
        status = done.image_set_workflow_status
        print(f"Destination version {done.version_id} ({status}): {before} -> {len(after)} series")
        if series_uid not in after:
            raise SystemExit("the series did not arrive in the destination")


if __name__ == "__main__":
    main()
