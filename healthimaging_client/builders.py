"""Builders for the two write payloads whose JSON is easy to get wrong.

:class:`DICOMUpdatesBuilder` makes UpdateImageSetMetadata's ``DICOMUpdates``:
attributes to set and to remove at each level, whole series or instances to
remove, private tags with their VRs. The service wants a removal to repeat the
attribute's current value; give the builder the current
:class:`~healthimaging_client.metadata.ImageSetMetadata` and name only the tags.

:class:`CopySubsetBuilder` makes CopyImageSet's ``copiableAttributes``: the
series and instances to copy.

Both check the service's size limits when they build, and raise
:class:`~healthimaging_client.errors.ParamValidationError` (without values:
they are patient data).
"""

from __future__ import annotations

from ._builder_checks import Tags as Tags
from ._copy_builder import COPY_SCHEMA_VERSION as COPY_SCHEMA_VERSION
from ._copy_builder import CopySubsetBuilder
from ._homes import adopt
from ._updates_builder import UPDATE_SCHEMA_VERSION as UPDATE_SCHEMA_VERSION
from ._updates_builder import DICOMUpdatesBuilder

__all__ = ["CopySubsetBuilder", "DICOMUpdatesBuilder"]

adopt(__name__, CopySubsetBuilder, DICOMUpdatesBuilder)
