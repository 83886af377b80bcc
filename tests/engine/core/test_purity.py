"""The pure core imports no GUI, synth, audio or MIDI-port library (checked in a fresh interpreter).

PURE_MODULES is kept by hand (the core the design names); on top of it, every engine
module whose first docstring line declares it "(pure" is checked too, so a module that
calls itself pure cannot quietly start loading Tk or FluidSynth.
"""

import ast
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PURE_MODULES = [
    "engine.core.errors",
    "engine.core.score",
    "engine.core.timing",
    "engine.core.edits",
    "engine.core.history",
    "engine.files.project_file",
    "engine.files.midifile",
    "engine.files.midifile_export",
    "engine.core.protocol.commands",
    "engine.core.protocol.events",
    "engine.files.soundfonts",
]
FORBIDDEN = ("tkinter", "_tkinter", "fluidsynth", "sounddevice", "_sounddevice", "rtmidi", "jack")

CHILD = """
import importlib, json, sys
forbidden = set(sys.argv[2].split(","))
report = {}
for name in sys.argv[1].split(","):
    importlib.import_module(name)
    loaded = sorted(m for m in sys.modules if m.split(".")[0] in forbidden)
    if loaded:
        report[name] = loaded
        break
print(json.dumps(report))
"""


def declared_pure() -> list[str]:
    found = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        doc = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
        first = doc.strip().splitlines()[0] if doc.strip() else ""
        if "(pure" in first:
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return found


def test_every_listed_pure_module_exists():
    for name in PURE_MODULES:
        assert (ROOT / (name.replace(".", "/") + ".py")).exists(), name


def test_pure_core_loads_no_gui_synth_audio_or_midi_port_library():
    modules = PURE_MODULES + [m for m in declared_pure() if m not in PURE_MODULES]
    assert len(modules) >= len(PURE_MODULES)
    out = subprocess.run(
        [sys.executable, "-c", CHILD, ",".join(modules), ",".join(FORBIDDEN)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    report = json.loads(out.stdout)
    assert report == {}, f"importing {next(iter(report))} loaded {next(iter(report.values()))}"


def test_the_check_itself_catches_a_forbidden_import():
    out = subprocess.run(
        [sys.executable, "-c", CHILD, "engine.core.score,tkinter", "tkinter"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert "tkinter" in json.loads(out.stdout)["tkinter"]
