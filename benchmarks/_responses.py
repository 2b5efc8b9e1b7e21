"""Canned, realistic service responses (synthetic data only) that the loopback server sends."""

from __future__ import annotations

import gzip
import json

from ._inputs import DATASTORE_ID, IMAGE_SET_ID, LARGE_IMAGE_SET_ID

TOTAL_SEARCH_ITEMS = 10_000
DEFAULT_PAGE_SIZE = 50


def _dumps(value: object) -> bytes:
    return json.dumps(value, separators=(",", ":")).encode()


def _summary(n: int) -> dict[str, object]:
    return {
        "imageSetId": f"{n:032x}",
        "version": 1 + n % 3,
        "createdAt": 1680042257.908 + n,
        "updatedAt": 1680042300.123 + n,
        "lastAccessedAt": 1700000000.5 + n,
        "storageTier": "FREQUENT_ACCESS",
        "isPrimary": True,
        "DICOMTags": {
            "DICOMPatientId": f"SYN{n:07d}",
            "DICOMPatientName": "SYNTHETIC^PATIENT",
            "DICOMPatientBirthDate": "19700101",
            "DICOMPatientSex": "O",
            "DICOMStudyInstanceUID": f"1.2.826.0.1.3680043.8.498.{n}",
            "DICOMStudyId": "1",
            "DICOMStudyDescription": "SYNTHETIC CT",
            "DICOMNumberOfStudyRelatedSeries": 2,
            "DICOMNumberOfStudyRelatedInstances": 120,
            "DICOMAccessionNumber": f"ACC{n:06d}",
            "DICOMSeriesInstanceUID": f"1.2.826.0.1.3680043.8.498.{n}.1",
            "DICOMSeriesModality": "CT",
            "DICOMSeriesBodyPart": "CHEST",
            "DICOMSeriesNumber": 1,
            "DICOMStudyDate": "20240102",
            "DICOMStudyTime": "101500",
        },
    }


def next_token(offset: int) -> str:
    """An opaque-looking token carrying the offset, with the ``+ / =`` real tokens contain."""
    return f"{offset}/AbC+dEf/gHi=="


def offset_of(token: str | None) -> int:
    return int(token.split("/", 1)[0]) if token else 0


def search_page(offset: int, size: int) -> bytes:
    end = min(offset + size, TOTAL_SEARCH_ITEMS)
    body: dict[str, object] = {
        "imageSetsMetadataSummaries": [_summary(n) for n in range(offset, end)],
        "sort": {"sortOrder": "DESC", "sortField": "updatedAt"},
    }
    if end < TOTAL_SEARCH_ITEMS:
        body["nextToken"] = next_token(end)
    return _dumps(body)


def _instance(series: int, number: int) -> dict[str, object]:
    return {
        "DICOM": {
            "SOPClassUID": "1.2.840.10008.5.1.4.1.1.2",
            "SOPInstanceUID": f"1.2.826.0.1.3680043.8.498.1.{series}.{number}",
            "InstanceNumber": number,
            "ImageType": ["ORIGINAL", "PRIMARY", "AXIAL"],
            "Rows": 512,
            "Columns": 512,
        },
        "ImageFrames": [
            {
                "ID": f"{series:016x}{number:016x}",
                "PixelDataChecksumFromBaseToFullResolution": [
                    {"Width": 256, "Height": 256, "Checksum": 1234567 + number},
                    {"Width": 512, "Height": 512, "Checksum": 7654321 + number},
                ],
                "MinPixelValue": -1024,
                "MaxPixelValue": 3071,
                "FrameSizeInBytes": 183000,
            }
        ],
    }


def _metadata(image_set_id: str, instances: int) -> bytes:
    return _dumps(
        {
            "SchemaVersion": "1.1",
            "DatastoreID": DATASTORE_ID,
            "ImageSetID": image_set_id,
            "Patient": {
                "DICOM": {
                    "PatientID": "SYN0000001",
                    "PatientName": "SYNTHETIC^PATIENT",
                    "PatientBirthDate": "19700101",
                    "PatientSex": "O",
                }
            },
            "Study": {
                "DICOM": {
                    "StudyInstanceUID": "1.2.826.0.1.3680043.8.498.1",
                    "StudyDescription": "SYNTHETIC CT",
                    "StudyDate": "20240102",
                    "StudyTime": "101500",
                    "AccessionNumber": "ACC000001",
                },
                "Series": {
                    "1.2.826.0.1.3680043.8.498.1.1": {
                        "DICOM": {"Modality": "CT", "SeriesNumber": 1, "BodyPartExamined": "CHEST"},
                        "Instances": {
                            f"1.2.826.0.1.3680043.8.498.1.1.{i}": _instance(1, i) for i in range(1, instances + 1)
                        },
                    }
                },
            },
        }
    )


#: Instances in each metadata document (one series), by image set id.
INSTANCES = {IMAGE_SET_ID: 5, LARGE_IMAGE_SET_ID: 36}
#: The documents: about 3 KB of JSON (small) and about 18 KB (the size of a real CT series' document).
METADATA_JSON = {image_set: _metadata(image_set, n) for image_set, n in INSTANCES.items()}
METADATA_GZIP = {image_set: gzip.compress(text, mtime=0) for image_set, text in METADATA_JSON.items()}

VERSIONS = _dumps(
    {
        "imageSetPropertiesList": [
            {
                "imageSetId": IMAGE_SET_ID,
                "versionId": str(v),
                "imageSetState": "ACTIVE",
                "ImageSetWorkflowStatus": "UPDATED" if v > 1 else "CREATED",
                "createdAt": 1680042257.908,
                "updatedAt": 1680042257.908 + v,
                "isPrimary": True,
            }
            for v in range(5, 0, -1)
        ]
    }
)

UPDATE = _dumps(
    {
        "datastoreId": DATASTORE_ID,
        "imageSetId": IMAGE_SET_ID,
        "latestVersionId": "6",
        "imageSetState": "LOCKED",
        "imageSetWorkflowStatus": "UPDATING",
        "createdAt": 1680042257.908,
        "updatedAt": 1700000000.25,
    }
)

COPY = _dumps(
    {
        "datastoreId": DATASTORE_ID,
        "sourceImageSetProperties": {
            "imageSetId": IMAGE_SET_ID,
            "latestVersionId": "5",
            "imageSetState": "LOCKED",
            "imageSetWorkflowStatus": "COPYING_WITH_READ_ONLY_ACCESS",
            "createdAt": 1680042257.908,
            "updatedAt": 1700000000.25,
        },
        "destinationImageSetProperties": {
            "imageSetId": "00112233445566778899aabbccddeeff",
            "latestVersionId": "1",
            "imageSetState": "LOCKED",
            "imageSetWorkflowStatus": "COPYING",
            "createdAt": 1700000000.25,
            "updatedAt": 1700000000.25,
        },
    }
)


def expected_summary(call: str) -> tuple[object, ...]:
    """What ``_sdks.summary`` must find in a call's result: the recorded response, reduced."""
    if call.startswith("GetImageSetMetadata"):
        image_set = IMAGE_SET_ID if "3 KB" in call else LARGE_IMAGE_SET_ID
        return (image_set, INSTANCES[image_set])
    if call == "SearchImageSets":
        return tuple(f"{n:032x}" for n in range(10))
    if call == "ListImageSetVersions":
        return tuple(str(v) for v in range(5, 0, -1))
    if call == "UpdateImageSetMetadata":
        return ("6",)
    return ("00112233445566778899aabbccddeeff",)


def body_length(call: str) -> int:
    """The length of the recorded body a call gets (what floor C, which parses nothing, must receive)."""
    if call.startswith("GetImageSetMetadata"):
        return len(METADATA_GZIP[IMAGE_SET_ID if "3 KB" in call else LARGE_IMAGE_SET_ID])
    bodies = {"SearchImageSets": search_page(0, 10), "ListImageSetVersions": VERSIONS, "UpdateImageSetMetadata": UPDATE}
    return len(bodies.get(call, COPY))
