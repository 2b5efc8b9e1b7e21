"""What every SDK sends: the same synthetic ids, credentials and request payloads.

No imports beyond the standard library, so that a peer's cold start loads nothing of ours.
The server checks each request against these (``_wire``).
"""

from __future__ import annotations

REGION = "us-east-1"
SERVICE = "medical-imaging"
ACCESS_KEY = "AKIDEXAMPLEFAKE00001"
SECRET_KEY = "fake-secret-key-for-benchmarks-only-00000"
DATASTORE_ID = "0123456789abcdef0123456789abcdef"
#: The small (about 3 KB) and the realistic (about 18 KB) metadata documents.
IMAGE_SET_ID = "fedcba9876543210fedcba9876543210"
LARGE_IMAGE_SET_ID = "fedcba9876543210fedcba98765432ff"
DESTINATION_ID = "00112233445566778899aabbccddeeff"
PATIENT_ID = "SYN0000001"
LATEST_VERSION = "5"
UPDATES = {"SchemaVersion": 1.1, "Patient": {"DICOM": {"PatientName": "SYNTHETIC^RENAMED"}}}
COPIABLE = {"SchemaVersion": "1.1", "Study": {"Series": {"1.2.826.0.1.3680043.8.498.1.1": {"Instances": {}}}}}
#: Results per SearchImageSets call in the per-call benchmark, and page size when paginating.
SEARCH_CALL_PAGE = 10
PAGINATION_PAGE = 50

#: The request bodies, as JSON values: what a correct client sends for this workload.
SEARCH_BODY = {"filters": [{"values": [{"DICOMPatientId": PATIENT_ID}], "operator": "EQUAL"}]}
#: Update and copy bodies with their embedded documents decoded (base64 JSON, JSON text):
#: SDKs may space those documents differently.
UPDATE_BODY = {"DICOMUpdates": {"updatableAttributes": UPDATES}}
COPY_BODY = {
    "sourceImageSet": {"latestVersionId": LATEST_VERSION, "DICOMCopies": {"copiableAttributes": COPIABLE}},
    "destinationImageSet": {"imageSetId": DESTINATION_ID, "latestVersionId": "1"},
}

#: The rows of the per-call table, each one call of a service operation (the metadata one at two sizes).
CALLS = (
    "SearchImageSets",
    "GetImageSetMetadata 3 KB",
    "GetImageSetMetadata 18 KB",
    "ListImageSetVersions",
    "UpdateImageSetMetadata",
    "CopyImageSet",
)
#: The rows of the async table.
ASYNC_CALLS = ("GetImageSetMetadata 3 KB", "GetImageSetMetadata 18 KB", "SearchImageSets")
