"""A local HealthImaging emulator, for tests and demos that need no AWS account.

Use :class:`LocalHealthImaging` in-process, or run it as a loopback server::

    python -m healthimaging_client.testing serve --port 8080

Nothing in the core package imports this one, so it costs nothing unless used.
"""

from ._local import LocalHealthImaging
from ._pixels import FrameFormat

__all__ = ["FrameFormat", "LocalHealthImaging"]
