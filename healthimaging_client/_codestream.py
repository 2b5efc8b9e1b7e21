"""The main header of a JPEG 2000 or HTJ2K codestream, read without decoding it.

The decoder checks the image size against the metadata before it allocates
anything (a corrupt or hostile header cannot ask for gigabytes), and learns the
number of resolution levels and whether the wavelet is reversible, which
decides whether lower resolutions can be derived exactly. The DICOM writer
learns whether colour frames went through the colour transform, which decides
their PhotometricInterpretation. Pure, with no NumPy: both extras use it.
"""

from __future__ import annotations

import struct

import attrs

from .errors import FrameDecodeError

_SOC, _SIZ, _COD, _CAP, _SOT = 0xFF4F, 0xFF51, 0xFF52, 0xFF50, 0xFF90


@attrs.frozen
class Component:
    precision: int
    signed: bool


@attrs.frozen
class MainHeader:
    width: int
    height: int
    origin: tuple[int, int]
    tile_size: tuple[int, int]
    tile_origin: tuple[int, int]
    components: tuple[Component, ...]
    #: Wavelet decomposition levels: the codestream holds ``levels + 1`` resolutions.
    levels: int
    #: 5/3 integer wavelet (lossless); False for the 9/7 one.
    reversible: bool
    #: Whether the first three components went through the colour transform.
    multiple_component_transform: bool
    progression_order: int
    #: A CAP marker is present: the codestream uses Part 15 (HTJ2K) code-blocks.
    high_throughput: bool

    @property
    def single_tile(self) -> bool:
        return (
            self.origin == (0, 0)
            and self.tile_origin == (0, 0)
            and self.tile_size[0] >= self.width
            and self.tile_size[1] >= self.height
        )


def is_codestream(data: bytes | bytearray | memoryview) -> bool:
    return bytes(data[:2]) == b"\xff\x4f"


def read_main_header(data: bytes | bytearray | memoryview) -> MainHeader:
    """The SIZ and COD segments of a raw codestream (``FF4F FF51 ...``)."""
    view = memoryview(data)
    if bytes(view[:2]) != b"\xff\x4f":
        raise FrameDecodeError("no SOC marker")
    position = 2
    size: tuple[int, int, tuple[int, int], tuple[int, int], tuple[int, int], tuple[Component, ...]] | None = None
    coding: tuple[int, int, bool, bool] | None = None
    high_throughput = False
    while position + 4 <= len(view):
        marker, length = struct.unpack_from(">HH", view, position)
        if marker == _SOT or length < 2:
            break
        segment = view[position + 4 : position + 2 + length]
        if len(segment) != length - 2:
            raise FrameDecodeError("the main header is cut short")
        if marker == _SIZ:
            size = _siz(segment)
        elif marker == _COD:
            coding = _cod(segment)
        elif marker == _CAP:
            high_throughput = True
        position += 2 + length
    if size is None or coding is None:
        raise FrameDecodeError("the main header has no SIZ or COD segment")
    width, height, origin, tile_size, tile_origin, components = size
    progression, levels, reversible, mct = coding
    return MainHeader(
        width=width,
        height=height,
        origin=origin,
        tile_size=tile_size,
        tile_origin=tile_origin,
        components=components,
        levels=levels,
        reversible=reversible,
        multiple_component_transform=mct,
        progression_order=progression,
        high_throughput=high_throughput,
    )


def _siz(
    segment: memoryview,
) -> tuple[int, int, tuple[int, int], tuple[int, int], tuple[int, int], tuple[Component, ...]]:
    if len(segment) < 36:
        raise FrameDecodeError("the SIZ segment is cut short")
    _, xsiz, ysiz, x0, y0, xt, yt, xt0, yt0, count = struct.unpack_from(">HIIIIIIIIH", segment, 0)
    if len(segment) < 36 + 3 * count or count == 0:
        raise FrameDecodeError("the SIZ segment lists no components or is cut short")
    components = tuple(
        Component(precision=(segment[36 + 3 * i] & 0x7F) + 1, signed=bool(segment[36 + 3 * i] & 0x80))
        for i in range(count)
    )
    return xsiz - x0, ysiz - y0, (x0, y0), (xt, yt), (xt0, yt0), components


def _cod(segment: memoryview) -> tuple[int, int, bool, bool]:
    if len(segment) < 10:
        raise FrameDecodeError("the COD segment is cut short")
    progression, mct, levels, transform = segment[1], segment[4], segment[5], segment[9]
    return progression, levels, transform == 1, mct == 1
