"""The paginated operations: for each, the call of one page, its items and its next token.

Each is named after the client method that pages through it; the client
also offers its items one by one (``iter_image_sets``, ``iter_image_set_versions``,
``iter_datastores``, ``iter_dicom_import_jobs``).
"""

from __future__ import annotations

from collections.abc import Sequence

from .. import models as m
from ._paging import Paginator
from .datastores import list_datastores
from .image_sets import list_image_set_versions, search_image_sets
from .imports import list_dicom_import_jobs


def iter_image_set_pages(
    datastore_id: str,
    *,
    filters: Sequence[m.SearchFilter] | None = None,
    sort: m.Sort | None = None,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_token: str | None = None,
) -> Paginator[m.ImageSetsMetadataSummary, m.SearchImageSetsOutput]:
    """Search results page by page; each page's ``next_token`` resumes after it."""
    return Paginator(
        lambda token, size: search_image_sets(
            datastore_id, filters=filters, sort=sort, max_results=size, next_token=token
        ),
        lambda out: out.image_sets_metadata_summaries,
        lambda out: out.next_token,
        page_size=page_size,
        max_items=max_items,
        starting_token=starting_token,
    )


def iter_image_set_version_pages(
    datastore_id: str,
    image_set_id: str,
    *,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_token: str | None = None,
) -> Paginator[m.ImageSetProperties, m.ListImageSetVersionsOutput]:
    """An image set's versions page by page, newest first."""
    return Paginator(
        lambda token, size: list_image_set_versions(datastore_id, image_set_id, max_results=size, next_token=token),
        lambda out: out.image_set_properties_list,
        lambda out: out.next_token,
        page_size=page_size,
        max_items=max_items,
        starting_token=starting_token,
    )


# --- datastores and import jobs ------------------------------------------------------------


def iter_datastore_pages(
    *,
    datastore_status: m.DatastoreStatus | str | None = None,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_token: str | None = None,
) -> Paginator[m.DatastoreSummary, m.ListDatastoresOutput]:
    """The account's datastores in this region page by page, of one status if ``datastore_status`` is given."""
    return Paginator(
        lambda token, size: list_datastores(datastore_status=datastore_status, max_results=size, next_token=token),
        lambda out: out.datastore_summaries,
        lambda out: out.next_token,
        page_size=page_size,
        max_items=max_items,
        starting_token=starting_token,
    )


def iter_dicom_import_job_pages(
    datastore_id: str,
    *,
    job_status: m.JobStatus | str | None = None,
    page_size: int | None = None,
    max_items: int | None = None,
    starting_token: str | None = None,
) -> Paginator[m.DICOMImportJobSummary, m.ListDICOMImportJobsOutput]:
    """A datastore's import jobs page by page, of one status if ``job_status`` is given."""
    return Paginator(
        lambda token, size: list_dicom_import_jobs(
            datastore_id, job_status=job_status, max_results=size, next_token=token
        ),
        lambda out: out.job_summaries,
        lambda out: out.next_token,
        page_size=page_size,
        max_items=max_items,
        starting_token=starting_token,
    )
