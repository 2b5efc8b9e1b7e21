"""The emulator's DICOM import-job operations: start, get and list."""

from __future__ import annotations

from typing import cast

from .. import models as m
from .._operations import Operation
from .._wire import resource_rules as r
from .._wire import validation as v
from ._documents import JSON
from ._faults import validation
from ._listing import list_page
from ._requests import Emulator, Handler, Request, json_object, raise_problems, structure
from ._responses import Response, json_response


def start_import_job(emulator: Emulator, request: Request) -> Response:
    body = json_object(request.body)
    p = v.Problems(Operation.START_DICOM_IMPORT_JOB)
    r.ROLE_ARN.check(p, "dataAccessRoleArn", body.get("dataAccessRoleArn"))
    r.CLIENT_TOKEN.check(p, "clientToken", body.get("clientToken"))
    r.S3_URI.check(p, "inputS3Uri", body.get("inputS3Uri"))
    r.S3_URI.check(p, "outputS3Uri", body.get("outputS3Uri"))
    r.JOB_NAME.check(p, "jobName", body.get("jobName"), required=False)
    r.ACCOUNT_ID.check(p, "inputOwnerAccountId", body.get("inputOwnerAccountId"), required=False)
    configuration = body.get("importConfiguration")
    if configuration is not None:
        if not isinstance(configuration, dict):
            raise validation("importConfiguration must be a JSON object")
        structured = structure(cast(JSON, configuration), m.ImportConfiguration)
        r.import_configuration(p, "importConfiguration", structured)
    raise_problems(p)
    return json_response(emulator.imports.start(request.datastore_id, body))


def get_import_job(emulator: Emulator, request: Request) -> Response:
    p = v.Problems(Operation.GET_DICOM_IMPORT_JOB)
    job_id = r.JOB_ID.check(p, "jobId", request.labels["job"])
    raise_problems(p)
    assert job_id is not None
    job = emulator.imports.get(request.datastore_id, job_id)
    return json_response({"jobProperties": emulator.imports.properties(job)})


def list_import_jobs(emulator: Emulator, request: Request) -> Response:
    status = request.query.get("jobStatus")
    p = v.Problems(Operation.LIST_DICOM_IMPORT_JOBS)
    r.optional_enum(p, "jobStatus", status, m.JobStatus)
    return list_page(
        emulator,
        request,
        p,
        f"jobs/{request.datastore_id}?{status}",
        "jobSummaries",
        lambda size, after: emulator.imports.list(request.datastore_id, status, max_results=size, after=after),
    )


HANDLERS: dict[str, Handler] = {
    Operation.START_DICOM_IMPORT_JOB: start_import_job,
    Operation.GET_DICOM_IMPORT_JOB: get_import_job,
    Operation.LIST_DICOM_IMPORT_JOBS: list_import_jobs,
}
