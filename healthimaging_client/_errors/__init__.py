"""The exception tree in groups, one module each; ``healthimaging_client.errors`` is its public face."""
