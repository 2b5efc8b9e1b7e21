"""Idempotency tokens: one per logical call, made when the call is built, so every retry sends it again."""

from __future__ import annotations

import uuid

from .._wire import resource_rules as r
from .._wire import validation as v


def client_token_for(p: v.Problems, given: str | None) -> str:
    """The caller's ``client_token`` (checked by the model's rule), or a new random one (a UUID, as botocore makes)."""
    if given is None:
        return str(uuid.uuid4())
    return r.CLIENT_TOKEN.check(p, "client_token", given) or ""
