"""The exit codes of ``healthimaging``, and which error ends with which.

Scripts branch on these, so they are a promise: add codes, never renumber::

    0    success
    1    unexpected error: a bug, an unreadable answer or file, a file that cannot be written
    2    usage: a bad command line, or input rejected before anything was sent
    3    credentials, permissions or configuration (no credentials or region, access denied, an extra missing)
    4    not found: the datastore, image set, version or import job does not exist
    5    conflict: the image set is locked or has a newer version; the datastore is not ACTIVE, or not empty
    6    throttled, or a service quota exceeded, after the retries
    7    any other error the service answered with
    8    network: no usable answer arrived (connection failed, timed out)
    9    the write waited for failed (UPDATE_FAILED, COPY_FAILED, CREATE_FAILED)
    10   the wait timed out: the image set was still locked, or the datastore or import job not done
    11   declined at the confirmation prompt; nothing was sent
    12   the import job waited for FAILED
    13   import results --check: the job did not import every file
    14   export --validate: dciodvfy found errors in an exported file
    130  interrupted (Ctrl-C)
"""

from __future__ import annotations

import enum

from .. import errors


class ExitCode(enum.IntEnum):
    OK = 0
    ERROR = 1
    USAGE = 2
    CONFIG = 3
    NOT_FOUND = 4
    CONFLICT = 5
    THROTTLED = 6
    SERVICE = 7
    NETWORK = 8
    WRITE_FAILED = 9
    WAIT_TIMED_OUT = 10
    DECLINED = 11
    IMPORT_FAILED = 12
    FILES_REJECTED = 13
    INVALID_FILES = 14
    INTERRUPTED = 130


# The first class an error is an instance of decides; subclasses come before their bases.
_CODES: tuple[tuple[type[errors.HealthImagingError], ExitCode], ...] = (
    (errors.ParamValidationError, ExitCode.USAGE),
    (errors.CredentialsError, ExitCode.CONFIG),
    (errors.ExtraNotInstalledError, ExitCode.CONFIG),
    (errors.AccessDeniedException, ExitCode.CONFIG),
    (errors.ResourceNotFoundException, ExitCode.NOT_FOUND),
    (errors.ConflictException, ExitCode.CONFLICT),
    (errors.ThrottlingException, ExitCode.THROTTLED),
    (errors.ServiceQuotaExceededException, ExitCode.THROTTLED),
    (errors.ServiceError, ExitCode.SERVICE),
    (errors.TransportError, ExitCode.NETWORK),
    (errors.WaiterTimeoutError, ExitCode.WAIT_TIMED_OUT),
    (errors.WaiterError, ExitCode.WRITE_FAILED),
)


def exit_code_of(error: errors.HealthImagingError) -> ExitCode:
    """The exit code for an SDK error; ``ERROR`` for those no script can act on (unreadable answers)."""
    code = next((code for cls, code in _CODES if isinstance(error, cls)), ExitCode.ERROR)
    if code == ExitCode.WRITE_FAILED and isinstance(error, errors.WaiterError) and error.job_properties is not None:
        return ExitCode.IMPORT_FAILED  # an import job is no write to an image set: a code of its own
    return code
