"""The DICOM import-job operations: StartDICOMImportJob, GetDICOMImportJob, ListDICOMImportJobs.

What a retry after an unclear outcome does: StartDICOMImportJob carries a
``clientToken``, made once per call and sent by every attempt, so the
service starts one job however often the call is retried.
"""

from __future__ import annotations

from .. import models as m
from .._wire import resource_rules as r
from .._wire import validation as v
from .._wire.bodies import json_body, reader
from .._wire.converter import converter
from ._call import MODEL_BOUNDED_ANSWER, Call, Operation, query, segment
from ._tokens import client_token_for
from .datastores import NO_HOST_PREFIX


def start_dicom_import_job(
    datastore_id: str,
    *,
    data_access_role_arn: str,
    input_s3_uri: str,
    output_s3_uri: str,
    job_name: str | None = None,
    input_owner_account_id: str | None = None,
    import_configuration: m.ImportConfiguration | None = None,
    client_token: str | None = None,
) -> Call[m.StartDICOMImportJobOutput]:
    """Import the DICOM files under ``input_s3_uri`` into an ACTIVE datastore; results go under ``output_s3_uri``.

    The role must let the service read the input and write the output. The job
    is SUBMITTED, then IN_PROGRESS, then COMPLETED or FAILED
    (``wait_for_dicom_import_job``); a COMPLETED job may still have skipped
    files, which its failure manifest lists (:mod:`healthimaging_client.import_results`).
    ``client_token`` makes the call idempotent: by default one is made for each
    call and reused by its retries.
    """
    p = v.Problems(Operation.START_DICOM_IMPORT_JOB)
    v.identifier(p, "datastore_id", datastore_id)
    r.ROLE_ARN.check(p, "data_access_role_arn", data_access_role_arn)
    r.S3_URI.check(p, "input_s3_uri", input_s3_uri)
    r.S3_URI.check(p, "output_s3_uri", output_s3_uri)
    r.JOB_NAME.check(p, "job_name", job_name, required=False)
    r.ACCOUNT_ID.check(p, "input_owner_account_id", input_owner_account_id, required=False)
    r.import_configuration(p, "import_configuration", import_configuration)
    token = client_token_for(p, client_token)
    p.raise_if_any()
    body = {
        "jobName": job_name,
        "dataAccessRoleArn": data_access_role_arn,
        "clientToken": token,
        "inputS3Uri": input_s3_uri,
        "outputS3Uri": output_s3_uri,
        "inputOwnerAccountId": input_owner_account_id,
        "importConfiguration": None if import_configuration is None else converter.unstructure(import_configuration),
    }
    return Call(
        Operation.START_DICOM_IMPORT_JOB,
        f"/startDICOMImportJob/datastore/{segment(datastore_id)}",
        "",
        json_body({name: value for name, value in body.items() if value is not None}),
        _read_start,
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
        idempotency_token=token,
    )


_read_start = reader(m.StartDICOMImportJobOutput)


def get_dicom_import_job(datastore_id: str, job_id: str) -> Call[m.GetDICOMImportJobOutput]:
    """An import job's properties: its status, times, S3 locations and, when it FAILED, why."""
    p = v.Problems(Operation.GET_DICOM_IMPORT_JOB)
    v.identifier(p, "datastore_id", datastore_id)
    r.JOB_ID.check(p, "job_id", job_id)
    p.raise_if_any()
    return Call(
        Operation.GET_DICOM_IMPORT_JOB,
        f"/getDICOMImportJob/datastore/{segment(datastore_id)}/job/{segment(job_id)}",
        "",
        None,
        _read_get,
        method="GET",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_get = reader(m.GetDICOMImportJobOutput)


def list_dicom_import_jobs(
    datastore_id: str,
    *,
    job_status: m.JobStatus | str | None = None,
    max_results: int | None = None,
    next_token: str | None = None,
) -> Call[m.ListDICOMImportJobsOutput]:
    """One page of a datastore's import jobs, of one status if ``job_status`` is given."""
    p = v.Problems(Operation.LIST_DICOM_IMPORT_JOBS)
    v.identifier(p, "datastore_id", datastore_id)
    r.optional_enum(p, "job_status", job_status, m.JobStatus)
    v.max_results(p, "max_results", max_results)
    v.next_token(p, "next_token", next_token)
    p.raise_if_any()
    return Call(
        Operation.LIST_DICOM_IMPORT_JOBS,
        f"/listDICOMImportJobs/datastore/{segment(datastore_id)}",
        query([("jobStatus", job_status), ("nextToken", next_token), ("maxResults", max_results)]),
        None,
        _read_list,
        method="GET",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_list = reader(m.ListDICOMImportJobsOutput)
