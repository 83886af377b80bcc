"""The rooms of the tree and the direction of their imports (pure: reads source with ``ast``).

Every module under ``engine/`` and ``sequencer_gui/`` is read, so a new module is covered
without touching this test.  Imports inside functions count too: a lazy import is still
a dependency.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
TOPS = ("engine", "sequencer_gui")

CORE = "engine.core"
LOW = {CORE, "engine.files", "engine.audio", "engine.realtime"}

# Room -> the rooms it may import (besides itself and the bare `engine` package).
ALLOWED: dict[str, set[str]] = {
    "engine.core": set(),
    "engine.files": {CORE},
    "engine.audio": {CORE, "engine.files"},
    # sync sources (Link, JACK's clock) are driven by the engine's scheduler thread
    "engine.sync": {CORE, "engine.midi"},  # MIDI clock goes out through the MIDI ports
    # MIDI ports beside the synth: they speak to the engine's scheduler in frames
    "engine.midi": {CORE},
    "engine.realtime": {CORE, "engine.files", "engine.audio", "engine.sync", "engine.midi"},
    # the MIDI recorder records through the MIDI helper process Pianola's ports use
    "engine.measure": {CORE, "engine.files", "engine.audio", "engine.midi"},
    "engine.assetgen": {CORE, "engine.files"},
    # the shared song, the session server and clock: the pure model and the file formats
    "engine.collab": {CORE, "engine.files"},
    "engine.bench": LOW
    | {"engine.measure", "engine.assetgen", "engine.collab", "engine.midi", "engine.sync"},
    "engine.commands": None,  # the command line assembles everything, the window included
    # the window mounts the live-session room (its File menu entries, the status label)
    "sequencer_gui": LOW | {"sequencer_gui", "sequencer_gui.collab"},
    # the window's side of a live session
    "sequencer_gui.collab": LOW | {"sequencer_gui", "engine.collab"},
    # the window's benchmarks measure with the engine's kit
    "sequencer_gui.bench": LOW
    | {"sequencer_gui", "engine.bench", "engine.measure", "engine.assetgen"},
}
# Third-party imports the pure core may use; everything else it imports is the stdlib.
CORE_THIRD_PARTY = {"numpy", "mido"}
THIRD_PARTY_FORBIDDEN_IN_CORE = {
    "tkinter",
    "_tkinter",
    "fluidsynth",
    "sounddevice",
    "rtmidi",
    "jack",
    "pycrdt",
    "aalink",
    "link",
    "soundfile",
}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, name: str) -> set[str]:
    """Absolute names of every module ``path`` imports (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            # `from engine.core import score` imports the module engine.core.score
            found.update(f"{module}.{alias.name}" for alias in node.names)
    return found


def all_modules() -> dict[str, Path]:
    return {module_name(p): p for top in TOPS for p in sorted((ROOT / top).rglob("*.py"))}


def room_of(name: str) -> str:
    parts = name.split(".")
    if parts[0] == "sequencer_gui":
        return (
            f"sequencer_gui.{parts[1]}"
            if parts[1:2] in (["bench"], ["collab"])
            else "sequencer_gui"
        )
    return ".".join(parts[:2]) if len(parts) > 1 else parts[0]


def project_graph(modules: dict[str, Path]) -> dict[str, set[str]]:
    """Module -> the project modules it imports (names that are attributes dropped)."""
    graph = {}
    for name, path in modules.items():
        graph[name] = {m for m in imports_of(path, name) if m in modules and m != name}
    return graph


def layering_violations(modules: dict[str, Path]) -> list[str]:
    wrong = []
    for name, path in modules.items():
        room = room_of(name)
        allowed = ALLOWED.get(room)
        for imported in imports_of(path, name):
            top = imported.split(".")[0]
            if top not in TOPS:
                if room == CORE and top in THIRD_PARTY_FORBIDDEN_IN_CORE:
                    wrong.append(f"{name} imports {imported}")
                continue
            if imported not in modules:
                continue  # `from pkg import name` where name is not a module
            target = room_of(imported)
            if allowed is None or target in (room, "engine") or target in allowed:
                continue
            wrong.append(f"{name} ({room}) imports {imported} ({target})")
    return wrong


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle as a list of modules, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            # importing a package runs its __init__, which is not the module's own import
            if state.get(nxt) == 1:
                return stack[stack.index(nxt) :] + [nxt]
            if nxt not in state:
                found = visit(nxt)
                if found:
                    return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state:
            found = visit(node)
            if found:
                return found
    return None


def test_every_room_is_known():
    rooms = {room_of(name) for name in all_modules()}
    assert rooms - set(ALLOWED) - {"engine"} == set()


def test_each_room_imports_only_the_rooms_below_it():
    assert layering_violations(all_modules()) == []


def test_the_import_graph_has_no_cycle():
    graph = project_graph(all_modules())
    # a package's __init__ importing its own modules is not a cycle of ideas
    for name in graph:
        graph[name] = {m for m in graph[name] if not name.startswith(m + ".")}
    assert find_cycle(graph) is None


def test_a_wrong_import_is_caught(tmp_path, monkeypatch):
    modules = all_modules()
    bad = tmp_path / "bad.py"
    bad.write_text("from engine.realtime import client\nimport tkinter\n")
    modules["engine.core.bad"] = bad
    wrong = layering_violations(modules)
    assert "engine.core.bad (engine.core) imports engine.realtime.client (engine.realtime)" in wrong
    assert "engine.core.bad imports tkinter" in wrong


@pytest.mark.parametrize(
    "graph, cycle",
    [
        ({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]),
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
    ],
)
def test_the_cycle_finder_finds_cycles(graph, cycle):
    assert find_cycle(graph) == cycle
