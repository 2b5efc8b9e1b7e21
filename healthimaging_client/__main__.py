"""``python -m healthimaging_client``: the ``healthimaging`` command line."""

from .cli import main

main()
