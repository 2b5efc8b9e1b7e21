"""``healthimaging metadata``: an image set's metadata document, drawn, printed or saved."""

from __future__ import annotations

from pathlib import Path

import click

from ..metadata import ImageSetMetadata
from ._exit import ExitCode
from ._help import OUTPUT, Command, Option
from ._options import global_options, settings
from ._output import MASK, PHI_HINT, echo_fields, echo_json
from ._progress import Progress
from ._session import connect, fail
from ._tree import TreeBuilder, draw

EXAMPLES = """\b
Examples:
  healthimaging metadata IMAGE_SET_ID
  healthimaging metadata IMAGE_SET_ID --attributes --show-phi
  healthimaging metadata IMAGE_SET_ID --version 1 -o json | jq .Study.DICOM
  healthimaging metadata IMAGE_SET_ID --download metadata.json
"""


def _frame_lines(meta: ImageSetMetadata, show_phi: bool) -> list[str]:
    """One tab-separated line per frame: series UID, SOP instance UID, transfer syntax, frame id."""

    def uid(value: str) -> str:
        return value if show_phi else MASK

    return [
        "\t".join((uid(i.series_instance_uid), uid(i.sop_instance_uid), i.transfer_syntax_uid, frame.id))
        for i in meta.iter_instances()
        for frame in i.image_frames
    ]


@click.command(cls=Command, epilog=EXAMPLES)
@click.argument("image_set_id")
@click.option("--version", "version_id", metavar="N", help="A version of the image set (default: the latest).")
@click.option(
    "--download",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    metavar="FILE",
    help="Save the document to FILE (streamed; never half-written) instead of printing it.",
)
@click.option(
    "--gzip", "keep_gzip", is_flag=True, help="With --download: save the gzip bytes as the service sends them."
)
@click.option("--overwrite", is_flag=True, help="With --download: replace FILE if it exists.")
@click.option(
    "--attributes",
    cls=Option,
    section=OUTPUT,
    is_flag=True,
    help="table output: list each level's DICOM attributes in the tree.",
)
@global_options
def metadata(
    image_set_id: str,
    version_id: str | None,
    download: Path | None,
    keep_gzip: bool,
    overwrite: bool,
    attributes: bool,
) -> None:
    """Show an image set's metadata document.

    table draws it as a tree, json prints the document as the service sent
    it (decompressed), text prints one line per image frame: series UID, SOP
    instance UID, transfer syntax and frame id.
    """
    options = settings()
    if keep_gzip and download is None:
        raise click.UsageError("--gzip applies to --download only")
    if download is not None and download.exists() and not overwrite:
        fail(ExitCode.USAGE, f"{download} exists: add --overwrite to replace it")
    with connect(options) as conn:
        if download is not None:
            with Progress("downloading metadata"):
                conn.client.download_image_set_metadata(
                    conn.datastore_id, image_set_id, download, version_id=version_id, decompress=not keep_gzip
                )
            saved = {"path": str(download), "bytes": download.stat().st_size}
            if options.output == "json":
                echo_json(saved)
            else:
                echo_fields([(k, v, False) for k, v in saved.items()], output=options.output, show_phi=True)
            return
        with Progress("reading metadata"):
            meta = conn.client.get_image_set_metadata(conn.datastore_id, image_set_id, version_id=version_id)
    if options.output == "json":
        echo_json(meta.to_dict())
    elif options.output == "text":
        for line in _frame_lines(meta, options.show_phi):
            click.echo(line)
    else:
        for line in draw(TreeBuilder(show_phi=options.show_phi, attributes=attributes).document(meta)):
            click.echo(line)
        if not options.show_phi:
            click.echo(PHI_HINT, err=True)
