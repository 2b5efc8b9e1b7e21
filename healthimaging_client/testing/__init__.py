"""A local HealthImaging emulator, for tests and demos that need no AWS account.

Use :class:`LocalHealthImaging` in-process, or run it as a loopback server::

    python -m healthimaging_client.testing serve --port 8080

:class:`FakeClock` lets a test wait without waiting: give it to the client
and the emulator alike. :class:`SyntheticInstance` is a made-up DICOM file
for an emulated import job to find.

Nothing in the core package imports this one, so it costs nothing unless used.
"""

from ._clock import FakeClock
from ._imports import SyntheticInstance
from ._local import LocalHealthImaging
from ._pixels import FrameFormat

__all__ = ["FakeClock", "FrameFormat", "LocalHealthImaging", "SyntheticInstance"]
