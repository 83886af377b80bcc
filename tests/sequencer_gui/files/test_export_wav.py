"""Export WAV: the real offline render (FluidSynth, bundled SoundFont) in a worker thread,
with the progress dialog on the real window; Cancel stops it and leaves no file."""

from __future__ import annotations

import time
import wave
from pathlib import Path
from tkinter import filedialog, messagebox

import pytest

from engine.core.score import Note, Score, Track
from sequencer_gui.files.commands import FileCommands
from sequencer_gui.files.export_wav import WavExport

FONT = Path(__file__).resolve().parents[3] / "assets" / "pianola.sf2"


def song(seconds: int) -> Score:
    """Eighth notes at 120 BPM for about ``seconds``."""
    return Score(
        tracks=(
            Track(
                name="Piano",
                notes=tuple(Note(i * 240, 200, 48 + i % 24) for i in range(seconds * 4)),
            ),
        )
    )


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


def test_render_writes_a_whole_wav(tmp_path):
    target = tmp_path / "short.wav"
    export = WavExport(song(2), target, FONT).start()
    assert export.wait(60)
    assert export.error is None and not export.cancelled
    with wave.open(str(target)) as w:
        assert w.getnchannels() == 2 and w.getframerate() == 48000
        assert w.getnframes() >= 2 * 48000
    assert export.fraction == 1.0
    assert leftovers(tmp_path) == ["short.wav"]


def test_cancel_stops_the_render_and_leaves_no_file(tmp_path):
    target = tmp_path / "long.wav"
    export = WavExport(song(600), target, FONT).start()
    deadline = time.monotonic() + 60
    while export.fraction == 0.0 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert 0.0 < export.fraction < 0.5
    export.cancel()
    assert export.wait(10)  # far sooner than the whole render would take
    assert export.cancelled and export.seconds is None and export.error is None
    assert leftovers(tmp_path) == []


def test_cancel_keeps_an_older_file_at_the_target(tmp_path):
    target = tmp_path / "old.wav"
    target.write_bytes(b"the previous export")
    export = WavExport(song(600), target, FONT).start()
    while export.fraction == 0.0:
        time.sleep(0.01)
    export.cancel()
    export.wait(10)
    assert target.read_bytes() == b"the previous export"
    assert leftovers(tmp_path) == ["old.wav"]


def test_unwritable_target_is_an_error_sentence(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    export = WavExport(song(1), blocker / "x.wav", FONT).start()
    export.wait(30)
    assert export.error is not None and str(export.error).startswith("Cannot save")


# ------------------------------------------------------------------ through the window


@pytest.fixture
def files(window, tmp_path, monkeypatch):
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))
    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    commands = FileCommands(window).install()
    yield commands
    commands.autosaver.stop()


def export_through_menu(window, files, monkeypatch, target):
    monkeypatch.setattr(filedialog, "asksaveasfilename", lambda **_kw: str(target))
    menu = window.menus["file"]
    labels = [
        menu.entrycget(i, "label") if menu.type(i) != "separator" else ""
        for i in range(menu.index("end") + 1)
    ]
    menu.invoke(labels.index("Export WAV…"))
    return files.export


@pytest.mark.gui
def test_progress_moves_window_stays_responsive_and_cancel_leaves_nothing(
    window, files, tmp_path, monkeypatch
):
    window.document.replace(song(1800), None)  # half an hour: a render of some seconds
    out = tmp_path / "out"
    out.mkdir()
    dialog = export_through_menu(window, files, monkeypatch, out / "song.wav")
    root = window.root
    values, ticks = [], 0
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not values or values[-1] < 50):
        root.update()  # the Tk loop keeps turning while the render runs
        ticks += 1
        values.append(float(dialog.bar.cget("value")))
        time.sleep(0.01)
    # the bar moved through several values while the Tk loop kept turning
    assert values[-1] >= 50 and len({v for v in values if v > 0}) >= 3 and ticks > 20
    assert dialog.running
    dialog.cancel_button.invoke()
    deadline = time.monotonic() + 10
    while dialog.top.winfo_exists() and time.monotonic() < deadline:
        root.update()
        time.sleep(0.01)
    assert not dialog.top.winfo_exists()
    assert window.status.message.cget("text") == "Export cancelled; no file was written."
    assert leftovers(out) == []


@pytest.mark.gui
def test_export_through_the_menu_completes(window, files, tmp_path, monkeypatch):
    errors = []
    monkeypatch.setattr(messagebox, "showerror", lambda *a, **k: errors.append(a))
    window.document.replace(song(3), None)
    target = tmp_path / "done.wav"
    dialog = export_through_menu(window, files, monkeypatch, target)
    deadline = time.monotonic() + 60
    while dialog.top.winfo_exists() and time.monotonic() < deadline:
        window.root.update()
        time.sleep(0.01)
    assert errors == []
    with wave.open(str(target)) as w:
        assert w.getnframes() >= 3 * 48000
    assert window.status.message.cget("text").startswith("Exported done.wav")
