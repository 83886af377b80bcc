"""`pianola bench NAME [options]`: run one benchmark from engine/bench/ or sequencer_gui/bench/ (CLI process).

Benchmarks are discovered with pkgutil; their help lines are read from their source
(``ast``) so that listing them imports none of them — a benchmark may load FluidSynth or
JACK, and `pianola bench model` should not pay for that.  The chosen module's own options
are parsed after it is imported.
"""

from __future__ import annotations

import argparse
import ast
import importlib
import importlib.util
import pkgutil

import engine.bench
import sequencer_gui.bench

# The engine's benchmarks, then the window's (which need Tk; the engine may not import it).
PACKAGES = (engine.bench, sequencer_gui.bench)


def _modules() -> dict[str, str]:
    """Benchmark name -> its module's full name."""
    return {
        info.name: f"{package.__name__}.{info.name}"
        for package in PACKAGES
        for info in pkgutil.iter_modules(package.__path__)
        if not info.name.startswith("_") and not info.ispkg
    }


def available() -> dict[str, str]:
    """Benchmark name -> first line of its module docstring, for every benchmark module."""
    found = {}
    for name, module in _modules().items():
        spec = importlib.util.find_spec(module)
        try:
            if spec is None or spec.origin is None:
                raise OSError(f"no source for {module}")
            with open(spec.origin, encoding="utf-8") as f:
                doc = ast.get_docstring(ast.parse(f.read())) or ""
        except (OSError, SyntaxError, ValueError):
            doc = ""  # shown without help; importing it later reports the real problem
        found[name] = doc.strip().splitlines()[0] if doc.strip() else ""
    return dict(sorted(found.items()))


def add_arguments(parser) -> None:
    names = available()
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.epilog = "benchmarks:\n" + "\n".join(
        f"  {name:<10} {line}" for name, line in names.items()
    )
    parser.add_argument(
        "name",
        metavar="NAME",
        choices=sorted(names),
        help="the benchmark to run: " + ", ".join(names),
    )
    parser.add_argument(
        "options",
        nargs=argparse.REMAINDER,
        help="options of that benchmark (see pianola bench NAME --help)",
    )


def build_parser(name: str):
    """The benchmark module and a parser for its own options."""
    module = importlib.import_module(_modules()[name])
    parser = argparse.ArgumentParser(
        prog=f"pianola bench {name}",
        description=(module.__doc__ or "").strip(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    module.add_arguments(parser)
    return module, parser


def run(args) -> int:
    module, parser = build_parser(args.name)
    return int(module.run(parser.parse_args(args.options)) or 0)
