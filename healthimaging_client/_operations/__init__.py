"""One pure definition per operation: validated input -> :class:`Call`; response -> output or typed error.

Nothing here does I/O. A definition checks its input by the service model's
rules (raising :class:`~healthimaging_client.ParamValidationError` before
anything is sent), encodes the request, and says how to read the answer. Both
clients send what a ``Call`` describes and hand the bytes back to
:meth:`Call.parse`, so they share every rule of the wire format.
"""

from ._call import MODEL_BOUNDED_ANSWER, Call, Operation, RetrySafety, WithHeaders
from ._paging import Page, Paginator
from .datastores import create_datastore, delete_datastore, get_datastore, list_datastores
from .frames import get_image_frame
from .image_sets import (
    get_image_set,
    get_image_set_metadata,
    list_image_set_versions,
    read_metadata,
    search_image_sets,
)
from .imports import get_dicom_import_job, list_dicom_import_jobs, start_dicom_import_job
from .paginators import (
    iter_datastore_pages,
    iter_dicom_import_job_pages,
    iter_image_set_pages,
    iter_image_set_version_pages,
)
from .tags import list_tags_for_resource, tag_resource, untag_resource
from .writes import CopiableInput, UpdatesInput, copy_image_set, delete_image_set, update_image_set_metadata

__all__ = [
    "MODEL_BOUNDED_ANSWER",
    "Call",
    "CopiableInput",
    "Operation",
    "Page",
    "Paginator",
    "RetrySafety",
    "UpdatesInput",
    "WithHeaders",
    "copy_image_set",
    "delete_image_set",
    "get_image_frame",
    "get_image_set",
    "create_datastore",
    "delete_datastore",
    "get_datastore",
    "get_dicom_import_job",
    "get_image_set_metadata",
    "iter_datastore_pages",
    "iter_dicom_import_job_pages",
    "iter_image_set_pages",
    "iter_image_set_version_pages",
    "list_datastores",
    "list_dicom_import_jobs",
    "list_image_set_versions",
    "list_tags_for_resource",
    "read_metadata",
    "search_image_sets",
    "start_dicom_import_job",
    "tag_resource",
    "untag_resource",
    "update_image_set_metadata",
]
