"""One image frame: codestream bytes in, a verified NumPy array in DICOM's layout out.

How a frame is decoded::

    instance's StoredTransferSyntaxUID --> codec      (content type cross-checks it)
    codestream header                  --> size check (before anything is allocated)
    codec                              --> array      (planar colour made interleaved)
    array's little-endian bytes        --> CRC32 checked against the metadata
    BitsStored < BitsAllocated         --> bits above HighBit cleared, or the sign extended
    rescale=True                       --> RescaleSlope * value + RescaleIntercept, float32

Everything here is pure and thread-safe: imagecodecs and zlib release the GIL,
so frames decode in parallel on a thread pool.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

import imagecodecs
import numpy as np
from numpy.typing import NDArray

from .. import _codestream
from .. import _transfer_syntaxes as syntaxes
from .._transfer_syntaxes import Codec
from ..errors import ChecksumMismatchError, FrameDecodeError, UnsupportedPixelFormatError
from ..metadata import ImageFrame, Instance
from . import _wavelet
from ._layout import PixelLayout

Buffer = bytes | bytearray | memoryview

#: The type frames are rescaled to: exact for every 16-bit stored value times a slope of a few digits.
RESCALED_DTYPE = np.dtype(np.float32)


def decode_frame(
    codestream: Buffer,
    instance: Instance,
    frame: ImageFrame,
    *,
    content_type: str | None = None,
    verify: bool = True,
    rescale: bool = False,
    reduce: int = 0,
    out: NDArray[Any] | None = None,
) -> NDArray[Any]:
    """Decode one frame of ``instance`` to an array of rows x columns (x samples, interleaved).

    ``codestream`` and ``content_type`` are GetImageFrame's body and header;
    ``instance`` and ``frame`` come from the image set's metadata tree. The
    dtype is ``uint8``/``int8``/``uint16``/``int16`` as BitsAllocated and
    PixelRepresentation say, or ``float32`` with ``rescale=True`` (modality
    rescale to physical units, such as Hounsfield units).

    ``verify`` checks the CRC32 the metadata lists for the decoded resolution
    and raises :class:`ChecksumMismatchError` on a difference; a resolution the
    metadata lists no checksum for is returned unchecked. ``reduce`` decodes
    ``reduce`` halvings below full resolution (JPEG 2000 and HTJ2K only).
    ``out`` receives the result in place (a slice of a volume, say) and is returned.
    """
    frame_id = frame.id
    layout = PixelLayout.from_instance(instance, image_frame_id=frame_id)
    codec = choose_codec(instance.transfer_syntax_uid, content_type, image_frame_id=frame_id)
    if reduce < 0 or (reduce and codec not in (Codec.HTJ2K, Codec.JPEG2000)):
        raise UnsupportedPixelFormatError(
            f"lower resolutions ({reduce}) exist only for JPEG 2000 and HTJ2K frames", image_frame_id=frame_id
        )
    data = codestream if isinstance(codestream, bytes | bytearray) else bytes(codestream)
    into = _decodes_into(out, codec, layout, reduce, rescale)
    if into is not None:
        pixels = _htj2k_into(data, layout, frame_id, into)
    else:
        pixels = _DECODERS[codec](data, layout, reduce, frame_id)
    pixels = _in_layout(pixels, layout, reduce, frame_id)
    if verify:
        verify_checksum(pixels, frame)
    _keep_stored_bits(pixels, layout)
    result: NDArray[Any] = pixels
    if rescale:
        result = pixels.astype(RESCALED_DTYPE)
        if layout.rescale_slope != 1.0:
            result *= RESCALED_DTYPE.type(layout.rescale_slope)
        if layout.rescale_intercept != 0.0:
            result += RESCALED_DTYPE.type(layout.rescale_intercept)
    if out is None:
        return result
    if out.shape != result.shape or out.dtype != result.dtype:
        raise ValueError(f"out must have shape {result.shape} and dtype {result.dtype}")
    if into is None or not np.may_share_memory(result, into):  # decoded in place already, or not
        out[...] = result
    return out


def choose_codec(transfer_syntax_uid: str, content_type: str | None, *, image_frame_id: str | None = None) -> Codec:
    """The codec for a stored syntax, checked against the response's content type when there is one."""
    syntax = syntaxes.transfer_syntax(transfer_syntax_uid)
    try:
        named = None if content_type is None else syntaxes.codec_of_content_type(content_type)
    except KeyError:
        raise UnsupportedPixelFormatError(
            f"content type {syntaxes.media_type(content_type or '')!r} is not an image type the SDK decodes",
            image_frame_id=image_frame_id,
        ) from None
    if syntax is None:
        raise UnsupportedPixelFormatError(
            f"stored transfer syntax {transfer_syntax_uid!r} is not one the SDK decodes", image_frame_id=image_frame_id
        )
    if syntax.codec is Codec.VIDEO or named is Codec.VIDEO:
        raise UnsupportedPixelFormatError(
            f"{syntax.name} ({syntax.content_type}) is video, not image frames", image_frame_id=image_frame_id
        )
    if named is not None and named is not syntax.codec:
        raise FrameDecodeError(
            f"content type {syntaxes.media_type(content_type or '')!r} contradicts the stored transfer syntax "
            f"{transfer_syntax_uid} ({syntax.name})",
            image_frame_id=image_frame_id,
        )
    return syntax.codec


def verify_checksum(pixels: NDArray[Any], frame: ImageFrame) -> None:
    """Compare the CRC32 of ``pixels`` (little-endian, interleaved) with the one listed for their size."""
    height, width = pixels.shape[:2]
    listed = [c for c in frame.pixel_data_checksums if c.width == width and c.height == height]
    if not listed or listed[-1].checksum is None:
        return
    expected = listed[-1].checksum
    actual = frame_crc32(pixels)
    if actual != expected:
        raise ChecksumMismatchError(
            image_frame_id=frame.id, width=width, height=height, expected=expected, actual=actual
        )


def frame_crc32(pixels: NDArray[Any]) -> int:
    """CRC32 of the pixels as HealthImaging computes it: little-endian bytes, samples interleaved."""
    little = pixels.astype(pixels.dtype.newbyteorder("<"), copy=False)
    return zlib.crc32(np.ascontiguousarray(little).data)


# --- codecs --------------------------------------------------------------------------------


def _codec_call(name: str, frame_id: str, call: Callable[[], NDArray[Any]]) -> NDArray[Any]:
    try:
        return call()
    except Exception as exc:  # each codec raises its own error types
        raise FrameDecodeError(f"the {name} decoder failed ({type(exc).__name__})", image_frame_id=frame_id) from exc


def _checked_header(data: bytes | bytearray, layout: PixelLayout, frame_id: str) -> _codestream.MainHeader | None:
    """The codestream's header, after checking its size and components against the metadata."""
    if not _codestream.is_codestream(data):
        return None
    try:
        header = _codestream.read_main_header(data)
    except FrameDecodeError as exc:
        raise FrameDecodeError(f"the JPEG 2000 codestream is unreadable: {exc}", image_frame_id=frame_id) from None
    if (header.height, header.width) != (layout.rows, layout.columns):
        raise FrameDecodeError(
            f"the codestream is {header.width}x{header.height} but Columns x Rows is {layout.columns}x{layout.rows}",
            image_frame_id=frame_id,
        )
    if len(header.components) != layout.samples_per_pixel:
        raise FrameDecodeError(
            f"the codestream has {len(header.components)} components but SamplesPerPixel is {layout.samples_per_pixel}",
            image_frame_id=frame_id,
        )
    return header


def _check_levels(header: _codestream.MainHeader | None, reduce: int, frame_id: str) -> None:
    if header is not None and reduce > header.levels:
        raise UnsupportedPixelFormatError(
            f"the codestream holds {header.levels} lower resolutions, not {reduce}", image_frame_id=frame_id
        )


def _htj2k(data: bytes | bytearray, layout: PixelLayout, reduce: int, frame_id: str) -> NDArray[Any]:
    header = _checked_header(data, layout, frame_id)
    _check_levels(header, reduce, frame_id)
    return _codec_call("HTJ2K", frame_id, lambda: imagecodecs.htj2k_decode(data, skipres=reduce or None))


def _decodes_into(
    out: NDArray[Any] | None, codec: Codec, layout: PixelLayout, reduce: int, rescale: bool
) -> NDArray[Any] | None:
    """``out``, when an HTJ2K frame can be decoded straight into it (a slice of a volume): no array in between."""
    if out is None or rescale or reduce or codec is not Codec.HTJ2K or layout.samples_per_pixel != 1:
        return None
    if out.shape != layout.shape() or out.dtype != layout.dtype or not out.flags.c_contiguous:
        return None
    return out


def _htj2k_into(data: bytes | bytearray, layout: PixelLayout, frame_id: str, into: NDArray[Any]) -> NDArray[Any]:
    """Decode into ``into``, unless the codestream's sign or depth differs from the metadata's (then as usual)."""
    header = _checked_header(data, layout, frame_id)
    component = header.components[0] if header is not None else None
    if component is None or component.signed != layout.signed or component.precision > layout.bits_allocated:
        return _htj2k(data, layout, 0, frame_id)
    return _codec_call("HTJ2K", frame_id, lambda: imagecodecs.htj2k_decode(data, out=into))


def _jpeg2000(data: bytes | bytearray, layout: PixelLayout, reduce: int, frame_id: str) -> NDArray[Any]:
    header = _checked_header(data, layout, frame_id)
    _check_levels(header, reduce, frame_id)
    full = _codec_call("JPEG 2000", frame_id, lambda: imagecodecs.jpeg2k_decode(data))
    if not reduce:
        return full
    if header is None or not header.reversible or not header.single_tile:
        raise UnsupportedPixelFormatError(
            "lower resolutions of JPEG 2000 are derived only for single-tile codestreams with the reversible wavelet",
            image_frame_id=frame_id,
        )
    full = _in_layout(full, layout, 0, frame_id)
    return _wavelet.reduced(full, reduce, colour_transform=header.multiple_component_transform)


def _jpeg(data: bytes | bytearray, layout: PixelLayout, reduce: int, frame_id: str) -> NDArray[Any]:
    return _codec_call("JPEG", frame_id, lambda: imagecodecs.jpeg8_decode(data))


def _jpegxl(data: bytes | bytearray, layout: PixelLayout, reduce: int, frame_id: str) -> NDArray[Any]:
    return _codec_call("JPEG XL", frame_id, lambda: imagecodecs.jpegxl_decode(data))


def _uncompressed(data: bytes | bytearray, layout: PixelLayout, reduce: int, frame_id: str) -> NDArray[Any]:
    if len(data) < layout.frame_size:
        raise FrameDecodeError(
            f"the frame has {len(data)} bytes but the metadata describes {layout.frame_size}", image_frame_id=frame_id
        )
    stored = np.frombuffer(data, dtype=layout.dtype.newbyteorder("<"), count=layout.frame_size // layout.dtype.itemsize)
    samples = layout.samples_per_pixel
    shaped: NDArray[Any]
    if samples == 1:
        shaped = stored.reshape(layout.rows, layout.columns)
    elif layout.planar_configuration == 1:
        shaped = stored.reshape(samples, layout.rows, layout.columns).transpose(1, 2, 0)
    else:
        shaped = stored.reshape(layout.rows, layout.columns, samples)
    return np.array(shaped, order="C")  # a copy: the caller's buffer is never written to


_DECODERS: dict[Codec, Callable[[bytes | bytearray, PixelLayout, int, str], NDArray[Any]]] = {
    Codec.HTJ2K: _htj2k,
    Codec.JPEG2000: _jpeg2000,
    Codec.JPEG: _jpeg,
    Codec.JPEGXL: _jpegxl,
    Codec.UNCOMPRESSED: _uncompressed,
}


# --- into DICOM's layout -------------------------------------------------------------------


def _in_layout(pixels: NDArray[Any], layout: PixelLayout, reduce: int, frame_id: str) -> NDArray[Any]:
    """The decoded array as rows x columns (x samples, interleaved), native byte order, in the layout's dtype."""
    shape = layout.shape(reduce)
    samples = layout.samples_per_pixel
    if samples > 1 and pixels.ndim == 3 and pixels.shape == (samples, *shape[:2]) and pixels.shape != shape:
        pixels = pixels.transpose(1, 2, 0)  # a codec that returned planes
    if pixels.shape != shape:
        raise FrameDecodeError(
            f"the frame decoded to shape {pixels.shape}, but the metadata describes {shape}", image_frame_id=frame_id
        )
    wanted = layout.dtype
    if pixels.dtype.kind not in "ui":
        raise FrameDecodeError(f"the frame decoded to {pixels.dtype}, not integers", image_frame_id=frame_id)
    if pixels.dtype.itemsize == wanted.itemsize:
        # Same width, other signedness (a codestream whose sign flag disagrees with PixelRepresentation):
        # keep the bits; _keep_stored_bits sign-extends them as the metadata says.
        return np.ascontiguousarray(pixels.astype(pixels.dtype.newbyteorder("="), copy=False)).view(wanted)
    if pixels.dtype.itemsize < wanted.itemsize:
        return np.ascontiguousarray(pixels, dtype=wanted)
    raise FrameDecodeError(
        f"the frame decoded to {pixels.dtype.itemsize * 8}-bit samples but BitsAllocated is {layout.bits_allocated}",
        image_frame_id=frame_id,
    )


def _keep_stored_bits(pixels: NDArray[Any], layout: PixelLayout) -> None:
    """In place: clear the bits above HighBit, or for signed data extend the sign from it."""
    spare = layout.bits_allocated - layout.bits_stored
    if not spare:
        return
    if layout.signed:
        pixels <<= spare
        pixels >>= spare  # arithmetic shift on a signed dtype: the sign bit fills the top
    else:
        pixels &= (1 << layout.bits_stored) - 1
