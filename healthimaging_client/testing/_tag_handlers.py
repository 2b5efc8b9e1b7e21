"""The emulator's tag operations: tag, untag and list the tags of a datastore or image set by its ARN."""

from __future__ import annotations

from .._operations import Operation
from .._wire import resource_rules as r
from .._wire import validation as v
from ._requests import Emulator, Handler, Request, json_object, raise_problems
from ._responses import Response, json_response


def _resource_arn(request: Request, operation: str) -> str:
    p = v.Problems(operation)
    arn = r.RESOURCE_ARN.check(p, "resourceArn", request.labels["arn"])
    raise_problems(p)
    assert arn is not None
    return arn


def tag_resource(emulator: Emulator, request: Request) -> Response:
    arn = _resource_arn(request, Operation.TAG_RESOURCE)
    body = json_object(request.body)
    p = v.Problems(Operation.TAG_RESOURCE)
    r.tags(p, "tags", body.get("tags"), required=True)
    raise_problems(p)
    emulator.datastores.tag(arn, body["tags"])
    return json_response({})


def untag_resource(emulator: Emulator, request: Request) -> Response:
    arn = _resource_arn(request, Operation.UNTAG_RESOURCE)
    p = v.Problems(Operation.UNTAG_RESOURCE)
    keys = r.tag_keys(p, "tagKeys", [value for name, value in request.pairs if name == "tagKeys"])
    raise_problems(p)
    emulator.datastores.untag(arn, keys)
    return json_response({})


def list_tags(emulator: Emulator, request: Request) -> Response:
    arn = _resource_arn(request, Operation.LIST_TAGS_FOR_RESOURCE)
    return json_response({"tags": emulator.datastores.tags_of(arn)})


HANDLERS: dict[str, Handler] = {
    Operation.TAG_RESOURCE: tag_resource,
    Operation.UNTAG_RESOURCE: untag_resource,
    Operation.LIST_TAGS_FOR_RESOURCE: list_tags,
}
