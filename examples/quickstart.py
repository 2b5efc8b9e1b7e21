"""Quickstart: search a patient's image sets, read metadata, update and revert, list versions, copy.

With no arguments it runs against the local emulator, on synthetic data, with no AWS account:

    python examples/quickstart.py

Against your own datastore (region and credentials come from the usual AWS chain:
environment, profile, SSO, instance role). It only reads unless you pass --allow-writes:

    python examples/quickstart.py --datastore-id <id> --patient-id <id> [--allow-writes]
"""

from __future__ import annotations

import argparse

import healthimaging_client as hic

DEMO_PATIENT_ID = "DEMO-0001"


def demo_emulator() -> tuple[hic.Client, str]:
    """A client of a local emulator holding synthetic image sets, two of them for the demo patient."""
    from healthimaging_client.testing import LocalHealthImaging

    local = LocalHealthImaging(seed=0, image_sets=10)
    for study_date, modality in (("20240105", "CT"), ("20240611", "MR")):
        local.add_image_set(
            patient={"PatientID": DEMO_PATIENT_ID, "PatientName": "DOE^JANE"},
            study={"StudyDate": study_date, "StudyTime": "093000", "StudyDescription": "DEMO"},
            series=[{"Modality": modality}, {"Modality": modality}],
            instances=3,
        )
    return local.client(), local.datastore_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--datastore-id", help="your datastore (default: a local emulator with synthetic data)")
    parser.add_argument("--patient-id", help="the patient to search for (default: the demo patient)")
    parser.add_argument("--allow-writes", action="store_true", help="against AWS: also update, revert and copy")
    args = parser.parse_args()

    if args.datastore_id:
        client, datastore_id, writes = hic.Client(), args.datastore_id, args.allow_writes
        print(f"Using datastore {datastore_id} in {client.region_name}")
    else:
        (client, datastore_id), writes = demo_emulator(), True
        print(f"Using a local emulator (datastore {datastore_id}, synthetic data)")

    with client:
        # 1. Search: every image set of one patient, across all pages.
        patient = hic.SearchByAttributeValue(dicom_patient_id=args.patient_id or DEMO_PATIENT_ID)
        found = list(
            client.iter_image_sets(
                datastore_id,
                filters=[hic.SearchFilter(values=[patient], operator=hic.Operator.EQUAL)],
                sort=hic.Sort(sort_field=hic.SortField.DICOM_STUDY_DATE_AND_TIME, sort_order=hic.SortOrder.ASC),
                max_items=20,
            )
        )
        print(f"Found {len(found)} image set(s) for the patient")
        if not found:
            return
        for summary in found:
            tags = summary.dicom_tags or hic.DICOMTags()
            print(f"  {summary.image_set_id}  version {summary.version}  modality {tags.dicom_series_modality}")

        # 2. Read the metadata document of the first one: Patient > Study > Series > Instances > ImageFrames.
        image_set_id = found[0].image_set_id
        metadata = client.get_image_set_metadata(datastore_id, image_set_id)
        instances = list(metadata.iter_instances())
        frames = list(metadata.iter_frames())
        print(
            f"Image set {image_set_id}: {len(metadata.study.series)} series, "
            f"{len(instances)} instances, {len(frames)} frames"
        )

        if not writes:
            print("Read-only run: pass --allow-writes to also update, revert and copy")
            return

        # 3. Update the patient name, then revert to the version we started from.
        # Updates and copies lock the image set until the service is done: wait_for_image_set polls.
        start = client.wait_for_image_set(datastore_id, image_set_id).version_id
        rename = hic.DICOMUpdatesBuilder().set_patient(PatientName="DOE^RENAMED")
        updated = client.update_image_set_metadata(datastore_id, image_set_id, latest_version_id=start, updates=rename)
        print(f"Updated the patient name: version {updated.latest_version_id} ({updated.image_set_workflow_status})")
        client.wait_for_image_set(datastore_id, image_set_id)
        reverted = client.update_image_set_metadata(
            datastore_id, image_set_id, latest_version_id=updated.latest_version_id, revert_to_version_id=start
        )
        print(f"Reverted to version {start}: now version {reverted.latest_version_id}")
        latest = client.wait_for_image_set(datastore_id, image_set_id)

        # 4. List the versions, newest first.
        for version in client.iter_image_set_versions(datastore_id, image_set_id):
            print(f"  version {version.version_id}: {version.image_set_state} {version.image_set_workflow_status}")

        # 5. Copy the image set into a new (non-primary) one.
        copied = client.copy_image_set(datastore_id, image_set_id, source_latest_version_id=latest.version_id)
        new_id = copied.destination_image_set_properties.image_set_id
        client.wait_for_image_set(datastore_id, new_id)
        print(f"Copied into new image set {new_id}")


if __name__ == "__main__":
    main()
