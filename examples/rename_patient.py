"""Rename a patient, wait for the update to finish, then revert to the original version.

With no arguments it runs against the local emulator, on synthetic data, with no AWS account:

    python examples/rename_patient.py

Against your own image set (this writes: it renames, then reverts):

    python examples/rename_patient.py --datastore-id <id> --image-set-id <id> --new-name 'DOE^JOHN'
"""

from __future__ import annotations

import argparse

import healthimaging_client as hic


def demo_emulator() -> tuple[hic.Client, str, str]:
    """A client of a local emulator whose image sets stay locked for a second after each write."""
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=2, state_delay=1.0)
    image_set_id = local.add_image_set(patient={"PatientID": "DEMO-0003", "PatientName": "DOE^JANE"})
    return local.client(), local.datastore_id, image_set_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datastore-id", help="your datastore (default: a local emulator with synthetic data)")
    parser.add_argument("--image-set-id", help="the image set to rename and revert (with --datastore-id)")
    parser.add_argument("--new-name", default="DOE^RENAMED", help="the temporary PatientName")
    args = parser.parse_args()

    if args.datastore_id and args.image_set_id:
        client, datastore_id, image_set_id = hic.Client(), args.datastore_id, args.image_set_id
    else:
        client, datastore_id, image_set_id = demo_emulator()
        print(f"Using a local emulator (datastore {datastore_id}, synthetic data)")

    with client:
        start = client.wait_for_image_set(datastore_id, image_set_id, poll_interval=0.25).version_id
        before = client.get_image_set_metadata(datastore_id, image_set_id).patient.name

        # The builder writes the update JSON (SchemaVersion 1.1) and checks its size.
        rename = hic.DICOMUpdatesBuilder().set_patient(PatientName=args.new_name)
        updated = client.update_image_set_metadata(datastore_id, image_set_id, latest_version_id=start, updates=rename)
        print(f"Update sent: version {updated.latest_version_id} is {updated.image_set_state}")
        done = client.wait_for_image_set(datastore_id, image_set_id, poll_interval=0.25)
        print(f"Version {done.version_id} is {done.image_set_state} ({done.image_set_workflow_status})")
        renamed = client.get_image_set_metadata(datastore_id, image_set_id).patient.name
        print(f"Patient name changed: {renamed != before}")

        reverted = client.update_image_set_metadata(
            datastore_id, image_set_id, latest_version_id=done.version_id, revert_to_version_id=start
        )
        final = client.wait_for_image_set(
            datastore_id, image_set_id, version_id=reverted.latest_version_id, poll_interval=0.25
        )
        restored = client.get_image_set_metadata(datastore_id, image_set_id).patient.name
        print(f"Reverted to version {start} as version {final.version_id}: name restored {restored == before}")
        if restored != before:
            raise SystemExit("the revert did not restore the patient name")


if __name__ == "__main__":
    main()
