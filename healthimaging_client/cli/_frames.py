"""``healthimaging frames``: image frames decoded to a NumPy file, or to a PNG to look at.

It needs the ``pixels`` extra; without it the command says which extra to
install (exit code 3) before anything is sent. The file is written only once
every frame has been decoded, through a part file renamed at the end, so
Ctrl-C leaves nothing behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import click

from ..metadata import ImageSetMetadata, Instance, Series
from ._files import atomic_file, refuse_to_replace
from ._help import Command, Option
from ._options import concurrency_option, global_options, settings
from ._output import Field, echo_fields, echo_json
from ._progress import Progress
from ._session import Connection, connect

if TYPE_CHECKING:
    from numpy.typing import NDArray

    from ..pixels import FrameRef, VolumePlan

SELECTION = "What to decode (one of them; by default the image set's only series)"
FORMATS = (".npy", ".png")

EXAMPLES = """\b
Examples:
  healthimaging frames IMAGE_SET_ID volume.npy --series 1.2.840.99.1 --rescale
  healthimaging frames IMAGE_SET_ID middle.png
  healthimaging frames IMAGE_SET_ID frame.npy --frame FRAME_ID
  healthimaging metadata IMAGE_SET_ID -o text --show-phi   # series, instances and frame ids
"""


@attrs.frozen
class Chosen:
    """The frames to decode, in the order they go into the array, and for a series its volume's plan."""

    refs: tuple[FrameRef, ...]
    one_frame: bool = False
    plan: VolumePlan | None = None


def _series(meta: ImageSetMetadata, series_uid: str | None) -> Series:
    if series_uid is not None:
        found = meta.study.series.get(series_uid)
        if found is None:
            raise click.BadParameter("the image set has no series with this SeriesInstanceUID", param_hint="--series")
        return found
    if len(meta.study.series) != 1:
        raise click.UsageError(
            f"the image set has {len(meta.study.series)} series: choose one with --series, --instance or --frame "
            "(healthimaging metadata IMAGE_SET_ID -o text --show-phi lists them)"
        )
    return next(iter(meta.study.series.values()))


def _instance(meta: ImageSetMetadata, sop_uid: str) -> Instance:
    found = next((i for i in meta.iter_instances() if i.sop_instance_uid == sop_uid), None)
    if found is None:
        raise click.BadParameter("the image set has no instance with this SOPInstanceUID", param_hint="--instance")
    return found


def choose(meta: ImageSetMetadata, frame_id: str | None, sop_uid: str | None, series_uid: str | None) -> Chosen:
    """The frames the options name, in array order (a series: along the slice normal)."""
    from ..pixels import find_frame, iter_frames, plan_volume

    if frame_id is not None:
        ref = find_frame(meta, frame_id)
        if ref is None:
            raise click.BadParameter("the image set's metadata lists no frame with this id", param_hint="--frame")
        return Chosen((ref,), one_frame=True)
    if sop_uid is not None:
        return Chosen(tuple(iter_frames(_instance(meta, sop_uid))))
    plan = plan_volume(_series(meta, series_uid))
    return Chosen(plan.slices, plan=plan)


def _decode(conn: Connection, image_set_id: str, refs: tuple[FrameRef, ...], **options: Any) -> NDArray[Any]:
    """The frames decoded into one array, frames x rows x columns (x samples), with a progress bar."""
    import numpy as np

    place = {ref.image_frame_id: n for n, ref in enumerate(refs)}
    stacked: NDArray[Any] | None = None
    with Progress("decoding frames", unit="frames", total=len(refs)) as progress:
        for ref, pixels in conn.client.iter_frame_arrays(conn.datastore_id, image_set_id, refs, **options):
            if stacked is None:
                stacked = np.empty((len(refs), *pixels.shape), dtype=pixels.dtype)
            stacked[place[ref.image_frame_id]] = pixels
            progress.advance()
    assert stacked is not None  # refs is never empty: the metadata lists a frame for each
    return stacked


def _save_npy(file: Path, stacked: NDArray[Any], chosen: Chosen) -> list[Field]:
    """The array (a lone frame unstacked) to ``file``; what to say about it, with a series' geometry."""
    import numpy as np

    array = stacked[0] if chosen.one_frame else stacked
    with atomic_file(file) as out:
        np.save(out, array)
    fields: list[Field] = [
        ("file", str(file), False),
        ("frames", len(chosen.refs), False),
        ("shape", array.shape, False),
        ("dtype", str(array.dtype), False),
    ]
    if chosen.plan is not None:
        volume = chosen.plan.volume(array)
        fields += [
            ("spacing", volume.spacing, False),
            ("orientation", volume.orientation, False),
            ("origin", volume.origin, False),
            ("ordered by", volume.ordered_by, False),
        ]
    return fields


def _save_png(file: Path, pixels: NDArray[Any], shown: FrameRef) -> list[Field]:
    from ._preview import png, to_8bit

    picture = to_8bit(pixels, shown.instance)
    with atomic_file(file) as out:
        out.write(png(picture))
    return [("file", str(file), False), ("frame", shown.image_frame_id, False), ("shape", picture.shape, False)]


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("image_set_id")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--frame", "frame_id", cls=Option, section=SELECTION, metavar="ID", help="One image frame.")
@click.option(
    "--instance", "sop_uid", cls=Option, section=SELECTION, metavar="SOP_UID", help="Every frame of an instance."
)
@click.option(
    "--series",
    "series_uid",
    cls=Option,
    section=SELECTION,
    metavar="SERIES_UID",
    help="A series, as a volume ordered along the slice normal.",
)
@click.option("--version", "version_id", metavar="N", help="A version of the image set (default: the latest).")
@click.option("--rescale", is_flag=True, help=".npy: physical values (RescaleSlope, RescaleIntercept) as float32.")
@click.option("--no-verify", is_flag=True, help="Do not check decoded frames against the metadata's checksums.")
@concurrency_option
@click.option("--overwrite", is_flag=True, help="Replace FILE if it exists.")
@global_options
def frames(
    image_set_id: str,
    file: Path,
    frame_id: str | None,
    sop_uid: str | None,
    series_uid: str | None,
    version_id: str | None,
    rescale: bool,
    no_verify: bool,
    concurrency: int | None,
    overwrite: bool,
) -> None:
    """Decode image frames to a .npy file, or to a PNG preview.

    FILE's suffix says which. .npy holds the decoded array: a frame is rows x
    columns (x samples, for colour); an instance, frames x rows x columns; a
    series, slices x rows x columns, ordered along the slice normal (its
    spacing, orientation and origin are printed). .png is a picture of the
    frame, or of the middle frame of the instance or the middle slice of the
    series, windowed as the instance says. Needs the pixels extra.
    """
    suffix = file.suffix.lower()
    if suffix not in FORMATS:
        raise click.BadParameter("the file's name must end in .npy or .png", param_hint="FILE")
    if sum(choice is not None for choice in (frame_id, sop_uid, series_uid)) > 1:
        raise click.UsageError("choose one of --frame, --instance and --series")
    refuse_to_replace(file, overwrite)
    from .. import pixels  # ExtraNotInstalledError (exit code 3) names the extra, before anything is sent

    options = settings()
    with connect(options) as conn:
        with Progress("reading metadata"):
            meta = conn.client.get_image_set_metadata(conn.datastore_id, image_set_id, version_id=version_id)
        chosen = choose(meta, frame_id, sop_uid, series_uid)
        decode: dict[str, Any] = {"verify": not no_verify}
        if concurrency is not None:
            decode["concurrency"] = concurrency
        shown = chosen.refs[len(chosen.refs) // 2]  # what a preview shows: the middle frame or slice
        if suffix == ".png":
            grayscale = pixels.PixelLayout.from_instance(shown.instance).samples_per_pixel == 1
            stacked = _decode(conn, image_set_id, (shown,), rescale=grayscale, **decode)
        else:
            stacked = _decode(conn, image_set_id, chosen.refs, rescale=rescale, **decode)
    fields = _save_png(file, stacked[0], shown) if suffix == ".png" else _save_npy(file, stacked, chosen)
    if options.output == "json":
        echo_json({name.replace(" ", "_"): value for name, value, _ in fields})
    else:
        echo_fields(fields, output=options.output, show_phi=options.show_phi)
