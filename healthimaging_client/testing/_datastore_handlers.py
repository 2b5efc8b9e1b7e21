"""The emulator's datastore operations: create, get, list and delete."""

from __future__ import annotations

from .. import models as m
from .._operations import Operation
from .._wire import resource_rules as r
from .._wire import validation as v
from ._listing import list_page
from ._requests import Emulator, Handler, Request, json_object, raise_problems
from ._responses import Response, json_response


def create_datastore(emulator: Emulator, request: Request) -> Response:
    body = json_object(request.body or b"{}")
    p = v.Problems(Operation.CREATE_DATASTORE)
    name = r.DATASTORE_NAME.check(p, "datastoreName", body.get("datastoreName"), required=False)
    token = r.CLIENT_TOKEN.check(p, "clientToken", body.get("clientToken"))
    r.tags(p, "tags", body.get("tags"), required=False)
    kms = r.KMS_KEY_ARN.check(p, "kmsKeyArn", body.get("kmsKeyArn"), required=False)
    authorizer = r.LAMBDA_ARN.check(p, "lambdaAuthorizerArn", body.get("lambdaAuthorizerArn"), required=False)
    storage_format = body.get("losslessStorageFormat")
    if storage_format is not None:
        v.enum_value(p, "losslessStorageFormat", storage_format, m.LosslessStorageFormat)
    raise_problems(p)
    assert token is not None
    created = emulator.datastores.create(
        name=name,
        client_token=token,
        tags=body.get("tags"),
        kms_key_arn=kms,
        lambda_authorizer_arn=authorizer,
        lossless_storage_format=storage_format,
    )
    return json_response(created)


def get_datastore(emulator: Emulator, request: Request) -> Response:
    return json_response({"datastoreProperties": emulator.datastores.properties(request.datastore_id)})


def list_datastores(emulator: Emulator, request: Request) -> Response:
    status = request.query.get("datastoreStatus")
    p = v.Problems(Operation.LIST_DATASTORES)
    r.optional_enum(p, "datastoreStatus", status, m.DatastoreStatus)
    return list_page(
        emulator,
        request,
        p,
        f"datastores?{status}",
        "datastoreSummaries",
        lambda size, after: emulator.datastores.list(status, max_results=size, after=after),
    )


def delete_datastore(emulator: Emulator, request: Request) -> Response:
    return json_response(emulator.datastores.delete(request.datastore_id))


HANDLERS: dict[str, Handler] = {
    Operation.CREATE_DATASTORE: create_datastore,
    Operation.GET_DATASTORE: get_datastore,
    Operation.LIST_DATASTORES: list_datastores,
    Operation.DELETE_DATASTORE: delete_datastore,
}
