"""Catching the SDK's errors; every line must type-check."""

from __future__ import annotations

from collections.abc import Mapping
from typing import assert_type

import healthimaging_client as hic


def handle(client: hic.Client, datastore_id: str, image_set_id: str) -> str:
    try:
        client.update_image_set_metadata(datastore_id, image_set_id, latest_version_id=1, revert_to_version_id=0)
    except hic.ParamValidationError as exc:
        assert_type(exc.problems, list[str])
        assert isinstance(exc, ValueError)
    except hic.ConflictException as exc:
        assert_type(exc.may_have_applied, bool)
        assert_type(exc.version_ids, Mapping[str, str])
    except hic.ThrottlingException as exc:
        assert_type(exc.retry_after, float | None)
    except hic.ServiceError as exc:
        assert_type(exc.status_code, int)
        assert_type(exc.code, str)
        assert_type(exc.request_id, str | None)
        return exc.message
    except hic.TransportError as exc:
        assert_type(exc.attempts, int)
    except hic.HealthImagingError as exc:
        assert_type(exc.operation, str | None)
    return hic.__version__
