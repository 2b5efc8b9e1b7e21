"""The tag operations: TagResource, UntagResource, ListTagsForResource, on a datastore's or image set's ARN.

The ARN is a path label, percent-encoded whole (``:`` as ``%3A``, ``/`` as
``%2F``). Tagging and untagging are idempotent in the model: a retry sets or
removes the same keys again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from .. import models as m
from .._wire import resource_rules as r
from .._wire import validation as v
from .._wire.bodies import json_body, read_json, reader
from ._call import MODEL_BOUNDED_ANSWER, Call, Operation, RetrySafety, query, segment
from .datastores import NO_HOST_PREFIX


def tag_resource(resource_arn: str, *, tags: Mapping[str, str]) -> Call[None]:
    """Add tags to a datastore or image set, or change the values of keys it already has."""
    p = v.Problems(Operation.TAG_RESOURCE)
    r.RESOURCE_ARN.check(p, "resource_arn", resource_arn)
    r.tags(p, "tags", tags, required=True)
    p.raise_if_any()
    return Call(
        Operation.TAG_RESOURCE,
        f"/tags/{segment(resource_arn)}",
        "",
        json_body({"tags": dict(tags)}),
        read_nothing,
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
        retry_safety=RetrySafety.IDEMPOTENT,  # a repeat sets the same keys again
    )


def untag_resource(resource_arn: str, *, tag_keys: Sequence[str]) -> Call[None]:
    """Remove the tags with these keys (keys it does not have are ignored)."""
    p = v.Problems(Operation.UNTAG_RESOURCE)
    r.RESOURCE_ARN.check(p, "resource_arn", resource_arn)
    keys = r.tag_keys(p, "tag_keys", tag_keys)
    p.raise_if_any()
    return Call(
        Operation.UNTAG_RESOURCE,
        f"/tags/{segment(resource_arn)}",
        query([("tagKeys", key) for key in keys]),  # one pair per key, as the model's repeated query member
        None,
        read_nothing,
        method="DELETE",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
        retry_safety=RetrySafety.IDEMPOTENT,  # a repeat removes the same keys again
    )


def list_tags_for_resource(resource_arn: str) -> Call[m.ListTagsForResourceOutput]:
    """A datastore's or image set's tags."""
    p = v.Problems(Operation.LIST_TAGS_FOR_RESOURCE)
    r.RESOURCE_ARN.check(p, "resource_arn", resource_arn)
    p.raise_if_any()
    return Call(
        Operation.LIST_TAGS_FOR_RESOURCE,
        f"/tags/{segment(resource_arn)}",
        "",
        None,
        _read_list,
        method="GET",
        host_prefix=NO_HOST_PREFIX,
        max_body_bytes=MODEL_BOUNDED_ANSWER,
    )


_read_list = reader(m.ListTagsForResourceOutput)


def read_nothing(content: bytes) -> None:
    """An empty output: the body is empty or a JSON object, and holds nothing the caller needs."""
    if content.strip():
        read_json(content)
