"""Benchmarks run by `pianola bench NAME` (each module: CLI process, prints its figures).

Every module here exposes ``add_arguments(parser)``, ``run(args) -> int`` and a module
docstring whose first line is its one-line help.  ``pianola bench`` finds them with
pkgutil, so adding a benchmark is adding a module.
"""
