"""Responses of the tag operations (TagResource and UntagResource answer with nothing)."""

from __future__ import annotations

from collections.abc import Mapping

import attrs


@attrs.frozen(kw_only=True)
class ListTagsForResourceOutput:
    """A datastore's or image set's tags, key to value."""

    tags: Mapping[str, str]
