"""Subcommands of the `pianola` command line (pure dispatch; each module loads what it needs).

Each module here exposes ``add_arguments(parser)`` and ``run(args) -> int`` (exit status).
"""
