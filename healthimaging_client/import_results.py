"""What a finished import job wrote under its output S3 URI, read into typed records.

StartDICOMImportJob writes its results under ``<outputS3Uri><datastoreId>-DicomImport-<jobId>/``::

    job-output-manifest.json   {"jobSummary": {...}}: S3 locations, file counts, the image sets made
    SUCCESS/success.ndjson     a line per imported file: {"inputFile", "importResponse": {"imageSetId", ...}}
    FAILURE/failure.ndjson     a line per file not imported: {"inputFile", "exception": {"exceptionType", "message"}}
    WARNING/warning.ndjson     a line per file imported with warnings: importResponse.warnings[...]

A COMPLETED job may still have failed files: the failure manifest says which,
and why. The SDK has no S3 client: download the files (``aws s3 cp
--recursive``, boto3) and hand them in, as bytes or as a path (a ``str`` is a
path). Manifests are read line by line, so a large one is never held whole.
Unknown members are ignored, so a newer service does not break this reader.

File paths and failure messages can carry patient data (files are often
named by their UIDs): they print as ``'***'``; the attributes hold them.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import NoReturn, TypeVar, cast

import attrs

from .errors import ImportManifestError
from .models._fields import masked

__all__ = [
    "FailedFile",
    "ImportJobSummary",
    "ImportResults",
    "ImportWarning",
    "ImportedFile",
    "ImportedImageSet",
    "iter_failed_files",
    "iter_imported_files",
    "read_import_results",
    "read_job_summary",
]

#: Where the service puts each document, relative to the job's output folder.
SUMMARY_FILE = "job-output-manifest.json"
SUCCESS_FILE = "SUCCESS/success.ndjson"
FAILURE_FILE = "FAILURE/failure.ndjson"
WARNING_FILE = "WARNING/warning.ndjson"

Source = bytes | str | os.PathLike[str]
T = TypeVar("T")


@attrs.frozen(kw_only=True)
class ImportedImageSet:
    """An image set the job made or added to (``jobSummary.imageSetsSummary``)."""

    image_set_id: str
    number_of_matched_sop_instances: int | None = None
    image_set_version: int | None = None
    is_primary: bool | None = None


@attrs.frozen(kw_only=True)
class ImportJobSummary:
    """``jobSummary`` of job-output-manifest.json: where the results are, and how many files went which way."""

    job_id: str
    datastore_id: str
    number_of_scanned_files: int
    number_of_imported_files: int
    number_of_files_with_customer_error: int
    number_of_files_with_server_error: int
    number_of_generated_image_sets: int
    image_sets_summary: tuple[ImportedImageSet, ...] = ()
    input_s3_uri: str | None = None
    output_s3_uri: str | None = None
    success_output_s3_uri: str | None = None
    failure_output_s3_uri: str | None = None
    warnings_output_s3_uri: str | None = None


@attrs.frozen(kw_only=True)
class ImportWarning:
    """Why a file imported with a warning (the service's warning reason code and type)."""

    warning_reason_code: int | None = None
    type: str | None = None
    message: str | None = attrs.field(default=None, repr=masked)


@attrs.frozen(kw_only=True)
class ImportedFile:
    """A line of success.ndjson (or warning.ndjson): the input file and the image set it went into."""

    input_file: str = attrs.field(repr=masked)
    image_set_id: str
    image_set_version: int | None = None
    is_primary: bool | None = None
    warnings: tuple[ImportWarning, ...] = ()


@attrs.frozen(kw_only=True)
class FailedFile:
    """A line of failure.ndjson: the input file that was not imported, and why."""

    input_file: str = attrs.field(repr=masked)
    exception_type: str | None = None
    message: str | None = attrs.field(default=None, repr=masked)


@attrs.frozen(kw_only=True)
class ImportResults:
    """Everything one job wrote: the summary and each manifest (empty when the job wrote none)."""

    summary: ImportJobSummary
    imported: tuple[ImportedFile, ...]
    failed: tuple[FailedFile, ...]
    warned: tuple[ImportedFile, ...]


# --- reading ------------------------------------------------------------------------------------


def read_job_summary(source: Source) -> ImportJobSummary:
    """``job-output-manifest.json``, as bytes or a path."""
    name = _name(source)
    data = source if isinstance(source, bytes) else Path(source).read_bytes()
    return _record(name, data, lambda f: _summary(f.object("jobSummary")))


def iter_imported_files(source: Source) -> Iterator[ImportedFile]:
    """Each line of ``success.ndjson`` (or ``warning.ndjson``), as bytes or a path."""
    for where, line in _lines(source):
        yield _record(where, line, _imported)


def iter_failed_files(source: Source) -> Iterator[FailedFile]:
    """Each line of ``failure.ndjson``, as bytes or a path."""
    for where, line in _lines(source):
        yield _record(where, line, _failed)


def read_import_results(directory: str | os.PathLike[str], *, job_id: str | None = None) -> ImportResults:
    """Read a job's output folder as downloaded: the summary, and each manifest that is there.

    ``directory`` is the job's own folder (``<datastoreId>-DicomImport-<jobId>``) or the output
    prefix above it; there, the one job folder (or the one for ``job_id``) is read.
    """
    folder = _job_folder(Path(directory), job_id)
    summary = read_job_summary(folder / SUMMARY_FILE)

    def optional(relative: str) -> Path | None:
        path = folder / relative
        return path if path.is_file() else None

    success, failure, warning = optional(SUCCESS_FILE), optional(FAILURE_FILE), optional(WARNING_FILE)
    return ImportResults(
        summary=summary,
        imported=tuple(iter_imported_files(success)) if success else (),
        failed=tuple(iter_failed_files(failure)) if failure else (),
        warned=tuple(iter_imported_files(warning)) if warning else (),
    )


def _job_folder(directory: Path, job_id: str | None) -> Path:
    if (directory / SUMMARY_FILE).is_file():
        return directory
    found = sorted(p for p in directory.glob(f"*-DicomImport-{job_id or '*'}") if (p / SUMMARY_FILE).is_file())
    if len(found) != 1:
        hint = " (pass job_id to choose one)" if len(found) > 1 else ""
        raise ImportManifestError(f"expected one job folder holding {SUMMARY_FILE}, found {len(found)}{hint}")
    return found[0]


# --- sources --------------------------------------------------------------------------------------


def _name(source: Source) -> str:
    """How errors name a source: the file's name (not its folders, which are the user's), or 'the document'."""
    return "the document" if isinstance(source, bytes) else Path(source).name


def _lines(source: Source) -> Iterator[tuple[str, bytes]]:
    """(where, line) for each line that is not blank; ``where`` names the file and the line."""
    name = _name(source)
    if isinstance(source, bytes):
        for number, line in enumerate(source.splitlines(), start=1):
            if line.strip():
                yield f"{name} line {number}", line
        return
    with open(source, "rb") as file:
        for number, line in enumerate(file, start=1):
            if line.strip():
                yield f"{name} line {number}", line


def _record(where: str, data: bytes, build: Callable[[_Fields], T]) -> T:
    """One JSON document, built into a record; problems name ``where`` and the member, never a value."""
    try:
        document: object = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        position = f" at position {exc.pos}" if isinstance(exc, json.JSONDecodeError) else ""
        raise ImportManifestError(f"{where}: not valid JSON{position}") from None
    return build(_Fields(document, where))


# --- records ----------------------------------------------------------------------------------------


class _Fields:
    """Typed access to the members of one JSON object; a missing or mistyped member raises ImportManifestError."""

    def __init__(self, value: object, where: str, path: str = "$") -> None:
        self._where = where
        self._path = path
        if not isinstance(value, dict):
            self._invalid(f"{path} is not a JSON object")
        self._members = cast(Mapping[str, object], value)

    def _invalid(self, what: str) -> NoReturn:
        raise ImportManifestError(f"{self._where}: {what}")

    def _get(self, key: str, kind: type[T]) -> T | None:
        value = self._members.get(key)
        if value is None:
            return None
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self._invalid(f"{self._path}.{key} is not of the expected type ({kind.__name__})")
        return value

    def _need(self, key: str, kind: type[T]) -> T:
        value = self._get(key, kind)
        if value is None:
            self._invalid(f"{self._path}.{key} is missing")
        return value

    def text(self, key: str) -> str | None:
        return self._get(key, str)

    def integer(self, key: str) -> int | None:
        return self._get(key, int)

    def flag(self, key: str) -> bool | None:
        return self._get(key, bool)

    def need_text(self, key: str) -> str:
        return self._need(key, str)

    def need_integer(self, key: str) -> int:
        return self._need(key, int)

    def object(self, key: str) -> _Fields:
        return _Fields(cast(object, self._need(key, dict)), self._where, f"{self._path}.{key}")

    def objects(self, key: str) -> list[_Fields]:
        items = cast(list[object], self._get(key, list) or [])
        return [_Fields(item, self._where, f"{self._path}.{key}[{i}]") for i, item in enumerate(items)]


def _summary(f: _Fields) -> ImportJobSummary:
    return ImportJobSummary(
        job_id=f.need_text("jobId"),
        datastore_id=f.need_text("datastoreId"),
        number_of_scanned_files=f.need_integer("numberOfScannedFiles"),
        number_of_imported_files=f.need_integer("numberOfImportedFiles"),
        number_of_files_with_customer_error=f.need_integer("numberOfFilesWithCustomerError"),
        number_of_files_with_server_error=f.need_integer("numberOfFilesWithServerError"),
        number_of_generated_image_sets=f.need_integer("numberOfGeneratedImageSets"),
        image_sets_summary=tuple(
            ImportedImageSet(
                image_set_id=s.need_text("imageSetId"),
                number_of_matched_sop_instances=s.integer("numberOfMatchedSOPInstances"),
                image_set_version=s.integer("imageSetVersion"),
                is_primary=s.flag("isPrimary"),
            )
            for s in f.objects("imageSetsSummary")
        ),
        input_s3_uri=f.text("inputS3Uri"),
        output_s3_uri=f.text("outputS3Uri"),
        success_output_s3_uri=f.text("successOutputS3Uri"),
        failure_output_s3_uri=f.text("failureOutputS3Uri"),
        warnings_output_s3_uri=f.text("warningsOutputS3Uri"),
    )


def _imported(f: _Fields) -> ImportedFile:
    response = f.object("importResponse")
    return ImportedFile(
        input_file=f.need_text("inputFile"),
        image_set_id=response.need_text("imageSetId"),
        image_set_version=response.integer("imageSetVersion"),
        is_primary=response.flag("isPrimary"),
        warnings=tuple(
            ImportWarning(
                warning_reason_code=w.integer("warning_reason_code"),
                type=w.text("type"),
                message=w.text("message"),
            )
            for w in response.objects("warnings")
        ),
    )


def _failed(f: _Fields) -> FailedFile:
    exception = f.object("exception")
    return FailedFile(
        input_file=f.need_text("inputFile"),
        exception_type=exception.text("exceptionType"),
        message=exception.text("message"),
    )
