"""The emulator's DICOM import jobs: synthetic files staged under S3 URIs, jobs that import them over the
clock, and the output documents a finished job writes.

There is no S3 here. A test stages :class:`SyntheticInstance` files under an
S3 URI (``LocalHealthImaging.add_dicom_files``); a job whose input S3 URI is
that prefix finds them. A job is SUBMITTED for ``import_delay`` seconds of the
clock, IN_PROGRESS for as long again, then COMPLETED: its files, grouped by
study and series UID, become image sets of the datastore (primary, unless the
datastore already holds an image set of that series), and the job writes
``job-output-manifest.json`` and its success and failure manifests under its
output S3 URI, in the service's format. A job that finds no files FAILS.
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import attrs

from . import _documents as docs
from . import _search
from . import _synthetic_documents as synthetic
from ._datastores import Datastores
from ._documents import JSON
from ._faults import not_found


@attrs.frozen(kw_only=True)
class SyntheticInstance:
    """One synthetic DICOM file for an emulated import job to find (synthetic values only, never real data).

    ``key`` is the file's name under the S3 URI it is staged at. Files with the
    same study and series UIDs become one image set; UIDs left out are made up:
    one study and one series for all the files staged in one call, and a SOP
    instance UID per file. ``patient``, ``study`` and ``series`` are DICOM
    values (keywords as in the metadata document). With ``error``, the import
    rejects the file with that message, as it rejects a malformed one.
    """

    key: str
    patient: Mapping[str, Any] = attrs.field(factory=dict[str, Any])
    study: Mapping[str, Any] = attrs.field(factory=dict[str, Any])
    series: Mapping[str, Any] = attrs.field(factory=dict[str, Any])
    study_instance_uid: str | None = None
    series_instance_uid: str | None = None
    sop_instance_uid: str | None = None
    error: str | None = None


@attrs.frozen
class _Staged:
    """A staged file, its UIDs settled."""

    instance: SyntheticInstance
    study_uid: str
    series_uid: str
    sop_uid: str


@attrs.define
class ImportJob:
    job_id: str
    name: str
    datastore_id: str
    role_arn: str
    input_s3_uri: str
    output_s3_uri: str
    submitted_at: float
    #: When it turns IN_PROGRESS, and when it ends.
    starts_at: float
    ends_at: float
    configuration: JSON | None = None
    status: str = "SUBMITTED"
    ended_at: float | None = None
    message: str | None = None
    #: What it wrote under its output S3 URI: S3 URI -> bytes.
    outputs: dict[str, bytes] = attrs.field(factory=dict[str, bytes])


def _prefix(s3_uri: str) -> str:
    return s3_uri if s3_uri.endswith("/") else s3_uri + "/"


def _key(s3_uri: str) -> str:
    """The object key: the URI without ``s3://bucket/`` (what the manifests call the input file)."""
    return s3_uri.removeprefix("s3://").partition("/")[2]


@attrs.define
class ImportJobs:
    datastores: Datastores
    rng: random.Random
    #: Seconds a job stays SUBMITTED, then IN_PROGRESS (0: it is COMPLETED at the next request).
    import_delay: float = 0.0
    #: Staged files by their S3 URI.
    files: dict[str, _Staged] = attrs.field(factory=dict[str, _Staged])
    jobs: dict[str, ImportJob] = attrs.field(factory=dict[str, ImportJob])
    tokens: dict[str, str] = attrs.field(factory=dict[str, str])

    @property
    def clock(self) -> Callable[[], float]:
        return self.datastores.clock

    def stage(self, s3_uri: str, instances: Sequence[SyntheticInstance]) -> list[str]:
        """Put files under ``s3_uri``; returns their S3 URIs."""
        study_uid, series_uid = synthetic.synthetic_uid(self.rng), synthetic.synthetic_uid(self.rng)
        uris: list[str] = []
        for instance in instances:
            uri = _prefix(s3_uri) + instance.key.lstrip("/")
            self.files[uri] = _Staged(
                instance,
                instance.study_instance_uid or study_uid,
                instance.series_instance_uid or series_uid,
                instance.sop_instance_uid or synthetic.synthetic_uid(self.rng),
            )
            uris.append(uri)
        return uris

    # --- the operations ----------------------------------------------------------------

    def start(self, datastore_id: str, request: JSON) -> JSON:
        known = self.tokens.get(request["clientToken"])
        if known is None:
            self.datastores.active(datastore_id)
            while (job_id := f"{self.rng.getrandbits(128):032x}") in self.jobs:
                pass
            now, clock = self.datastores.now(), self.clock()
            self.jobs[job_id] = ImportJob(
                job_id,
                request.get("jobName") or f"import-{job_id[:8]}",
                datastore_id,
                request["dataAccessRoleArn"],
                request["inputS3Uri"],
                request["outputS3Uri"],
                now,
                clock + self.import_delay,
                clock + 2 * self.import_delay,
                request.get("importConfiguration"),
            )
            self.tokens[request["clientToken"]] = known = job_id
        job = self.jobs[known]
        return {
            "datastoreId": job.datastore_id,
            "jobId": job.job_id,
            "jobStatus": "SUBMITTED",
            "submittedAt": job.submitted_at,
        }

    def get(self, datastore_id: str, job_id: str) -> ImportJob:
        self.datastores.get(datastore_id)
        job = self.jobs.get(job_id)
        if job is None or job.datastore_id != datastore_id:
            raise not_found("the import job does not exist")
        return job

    def properties(self, job: ImportJob) -> JSON:
        properties = self._summary(job) | {"inputS3Uri": job.input_s3_uri, "outputS3Uri": job.output_s3_uri}
        if job.configuration is not None:
            properties["importConfiguration"] = job.configuration
        return properties

    def _summary(self, job: ImportJob) -> JSON:
        summary: JSON = {
            "jobId": job.job_id,
            "jobName": job.name,
            "jobStatus": job.status,
            "datastoreId": job.datastore_id,
            "dataAccessRoleArn": job.role_arn,
            "submittedAt": job.submitted_at,
        }
        if job.ended_at is not None:
            summary["endedAt"] = job.ended_at
        if job.message is not None:
            summary["message"] = job.message
        return summary

    def list(
        self, datastore_id: str, status: str | None, *, max_results: int, after: _search.Key | None
    ) -> tuple[list[JSON], _search.Key | None]:
        self.datastores.get(datastore_id)
        chosen = [j for j in self.jobs.values() if j.datastore_id == datastore_id and status in (None, j.status)]
        items, last = _search.page(
            chosen, lambda j: (j.submitted_at, j.job_id), descending=True, after=after, size=max_results
        )
        return [self._summary(j) for j in items], last

    # --- running -------------------------------------------------------------------------

    def settle(self) -> None:
        now = self.clock()
        for job in self.jobs.values():
            if job.status == "SUBMITTED" and now >= job.starts_at:
                job.status = "IN_PROGRESS"
            if job.status == "IN_PROGRESS" and now >= job.ends_at:
                self._run(job)

    def _run(self, job: ImportJob) -> None:
        job.ended_at = self.datastores.now()
        files = sorted((uri, f) for uri, f in self.files.items() if uri.startswith(_prefix(job.input_s3_uri)))
        datastore = self.datastores.datastores[job.datastore_id]
        if datastore.status != "ACTIVE":
            job.status, job.message = "FAILED", "The datastore is not ACTIVE"
        elif not files:
            job.status, job.message = "FAILED", "No DICOM files were found at the input S3 URI"
        else:
            job.status = "COMPLETED"
        output = f"{_prefix(job.output_s3_uri)}{job.datastore_id}-DicomImport-{job.job_id}/"
        imported = [(uri, f) for uri, f in files if f.instance.error is None] if job.status == "COMPLETED" else []
        failed = [(uri, f) for uri, f in files if f.instance.error is not None] if job.status == "COMPLETED" else []
        image_sets = self._make_image_sets(job, imported)
        success = [
            {"inputFile": _key(uri), "importResponse": image_sets[(f.study_uid, f.series_uid)][1]}
            for uri, f in imported
        ]
        failure = [
            {"inputFile": _key(uri), "exception": {"exceptionType": "ValidationException", "message": f.instance.error}}
            for uri, f in failed
        ]
        summary = {
            "jobId": job.job_id,
            "datastoreId": job.datastore_id,
            "inputS3Uri": job.input_s3_uri,
            "outputS3Uri": output,
            "successOutputS3Uri": output + "SUCCESS/",
            "failureOutputS3Uri": output + "FAILURE/",
            "numberOfScannedFiles": len(files) if job.status == "COMPLETED" else 0,
            "numberOfImportedFiles": len(imported),
            "numberOfFilesWithCustomerError": len(failed),
            "numberOfFilesWithServerError": 0,
            "numberOfGeneratedImageSets": len(image_sets),
            "imageSetsSummary": [
                {**response, "numberOfMatchedSOPInstances": count} for count, response in image_sets.values()
            ],
        }
        job.outputs[output + "job-output-manifest.json"] = json.dumps({"jobSummary": summary}, indent=2).encode()
        if success:
            job.outputs[output + "SUCCESS/success.ndjson"] = _ndjson(success)
        if failure:
            job.outputs[output + "FAILURE/failure.ndjson"] = _ndjson(failure)

    def _make_image_sets(
        self, job: ImportJob, imported: Sequence[tuple[str, _Staged]]
    ) -> dict[tuple[str, str], tuple[int, JSON]]:
        """One image set per series: (study UID, series UID) -> (files in it, its import response)."""
        groups: dict[tuple[str, str], list[_Staged]] = {}
        for _, staged in imported:
            groups.setdefault((staged.study_uid, staged.series_uid), []).append(staged)
        store = self.datastores.datastores[job.datastore_id].store
        made: dict[tuple[str, str], tuple[int, JSON]] = {}
        for (study_uid, series_uid), group in groups.items():
            first = group[0].instance
            image_set_id = store.new_id()
            plan = synthetic.SeriesPlan(
                {**first.series, "SeriesInstanceUID": series_uid}, len(group), 1, synthetic.default_format(self.rng)
            )
            document, frames = synthetic.build_document(
                self.rng,
                datastore_id=job.datastore_id,
                image_set_id=image_set_id,
                patient=first.patient,
                study={**first.study, "StudyInstanceUID": study_uid},
                series=[plan],
            )
            _use_sop_uids(docs.series_of(document)[series_uid], [staged.sop_uid for staged in group])
            primary = not any(
                series_uid in docs.series_of(s.document) for s in store.image_sets.values() if s.deleted_at is None
            )
            for frame_id, spec in frames.items():
                store.frames.add(frame_id, spec)
            store.add(document, created_at=store.now(), is_primary=primary)
            made[(study_uid, series_uid)] = (
                len(group),
                {"imageSetId": image_set_id, "imageSetVersion": 1, "isPrimary": primary},
            )
        return made


def _use_sop_uids(series: JSON, sop_uids: Sequence[str]) -> None:
    """Key the series' instances by the staged files' SOP instance UIDs, in order."""
    instances: JSON = series["Instances"]
    renamed = {}
    for sop_uid, instance in zip(sop_uids, instances.values(), strict=True):
        instance["DICOM"]["SOPInstanceUID"] = sop_uid
        renamed[sop_uid] = instance
    series["Instances"] = renamed


def _ndjson(lines: Sequence[Mapping[str, Any]]) -> bytes:
    return b"".join(json.dumps(line, separators=(",", ":")).encode() + b"\n" for line in lines)
