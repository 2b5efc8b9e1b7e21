"""The datastore operations: CreateDatastore, GetDatastore, ListDatastores, DeleteDatastore.

They have no host prefix (``medical-imaging.{region}...``). What a retry
after an unclear outcome does: CreateDatastore carries a ``clientToken``,
made once per call and sent by every attempt, so the service creates one
datastore however often the call is retried; DeleteDatastore is idempotent
in the model (deleting a datastore already DELETING answers with its status).
"""

from __future__ import annotations

from collections.abc import Mapping

from .. import models as m
from .._wire import resource_rules as r
from .._wire import validation as v
from .._wire.bodies import json_body, reader
from ._call import MODEL_BOUNDED_ANSWER, Call, Operation, RetrySafety, query, segment
from ._tokens import client_token_for

NO_HOST_PREFIX = ""


def create_datastore(
    *,
    datastore_name: str | None = None,
    tags: Mapping[str, str] | None = None,
    kms_key_arn: str | None = None,
    lambda_authorizer_arn: str | None = None,
    lossless_storage_format: m.LosslessStorageFormat | str | None = None,
    client_token: str | None = None,
) -> Call[m.CreateDatastoreOutput]:
    """Create a datastore; it is CREATING until the service has set it up (``wait_for_datastore``).

    ``client_token`` makes the call idempotent: by default one is made for each
    call and reused by its retries; pass your own to make a create that you
    repeat yourself (after a crash, say) return the same datastore.
    """
    p = v.Problems(Operation.CREATE_DATASTORE)
    r.DATASTORE_NAME.check(p, "datastore_name", datastore_name, required=False)
    r.tags(p, "tags", tags, required=False)
    r.KMS_KEY_ARN.check(p, "kms_key_arn", kms_key_arn, required=False)
    r.LAMBDA_ARN.check(p, "lambda_authorizer_arn", lambda_authorizer_arn, required=False)
    if lossless_storage_format is not None:
        v.enum_value(p, "lossless_storage_format", lossless_storage_format, m.LosslessStorageFormat)
    token = client_token_for(p, client_token)
    p.raise_if_any()
    body = {
        "datastoreName": datastore_name,
        "clientToken": token,
        "tags": None if tags is None else dict(tags),
        "kmsKeyArn": kms_key_arn,
        "lambdaAuthorizerArn": lambda_authorizer_arn,
        "losslessStorageFormat": lossless_storage_format,
    }
    return Call(
        Operation.CREATE_DATASTORE,
        "/datastore",
        "",
        json_body({name: value for name, value in body.items() if value is not None}),
        _read_create,
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
        idempotency_token=token,
    )


_read_create = reader(m.CreateDatastoreOutput)


def get_datastore(datastore_id: str) -> Call[m.GetDatastoreOutput]:
    """A datastore's properties: its name, status, ARN, encryption key and storage format."""
    p = v.Problems(Operation.GET_DATASTORE)
    v.identifier(p, "datastore_id", datastore_id)
    p.raise_if_any()
    return Call(
        Operation.GET_DATASTORE,
        f"/datastore/{segment(datastore_id)}",
        "",
        None,
        _read_get,
        method="GET",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_get = reader(m.GetDatastoreOutput)


def list_datastores(
    *,
    datastore_status: m.DatastoreStatus | str | None = None,
    max_results: int | None = None,
    next_token: str | None = None,
) -> Call[m.ListDatastoresOutput]:
    """One page of the account's datastores in this region, of one status if ``datastore_status`` is given."""
    p = v.Problems(Operation.LIST_DATASTORES)
    r.optional_enum(p, "datastore_status", datastore_status, m.DatastoreStatus)
    v.max_results(p, "max_results", max_results)
    v.next_token(p, "next_token", next_token)
    p.raise_if_any()
    return Call(
        Operation.LIST_DATASTORES,
        "/datastore",
        query([("datastoreStatus", datastore_status), ("nextToken", next_token), ("maxResults", max_results)]),
        None,
        _read_list,
        method="GET",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_list = reader(m.ListDatastoresOutput)


def delete_datastore(datastore_id: str) -> Call[m.DeleteDatastoreOutput]:
    """Delete a datastore that holds no image sets; it is DELETING, then DELETED."""
    p = v.Problems(Operation.DELETE_DATASTORE)
    v.identifier(p, "datastore_id", datastore_id)
    p.raise_if_any()
    return Call(
        Operation.DELETE_DATASTORE,
        f"/datastore/{segment(datastore_id)}",
        "",
        None,
        _read_delete,
        method="DELETE",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
        retry_safety=RetrySafety.IDEMPOTENT,  # idempotent in the model: a repeat answers with its status
    )


_read_delete = reader(m.DeleteDatastoreOutput)
