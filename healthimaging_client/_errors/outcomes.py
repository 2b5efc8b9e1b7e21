"""What a longer task ends in: a repeated next token, an unreadable import manifest, a failed or timed-out wait."""

from __future__ import annotations

from typing import TYPE_CHECKING

from .base import HealthImagingError

if TYPE_CHECKING:
    from ..models import DatastoreProperties, DICOMImportJobProperties, ImageSetProperties

__all__ = ["ImportManifestError", "PaginationError", "WaiterError", "WaiterTimeoutError"]


class PaginationError(HealthImagingError):
    """The service returned a next token it had returned before; iterating on would never end."""


class ImportManifestError(HealthImagingError, ValueError):
    """An import job's output document (summary or manifest) is not what the service writes.

    The message names the file, the line and the member; never a value, since
    manifests name patients' files.
    """


class WaiterError(HealthImagingError):
    """What was waited for ended in a failed state: an image set (UPDATE_FAILED, COPY_FAILED),
    a datastore (CREATE_FAILED) or an import job (FAILED).

    The message carries the service's own message for the failure.
    """

    #: The last state seen of the version waited for, if it was seen.
    properties: ImageSetProperties | None = None
    #: The last state seen of the datastore waited for (``wait_for_datastore``), if it was seen.
    datastore_properties: DatastoreProperties | None = None
    #: The last state seen of the import job waited for (``wait_for_dicom_import_job``), if it was seen.
    job_properties: DICOMImportJobProperties | None = None


class WaiterTimeoutError(WaiterError):
    """An image set was still locked, or a datastore or import job still busy, when the wait's timeout passed."""
