"""Transport > Sync in the real window: the source and the MIDI clock ports chosen, kept in
the preferences, set on the engine; the tempo box shows a followed MIDI clock's tempo
(real Tk under Xvfb; the engine and a clock sender on the private JACK server)."""

from __future__ import annotations

import os

import pytest

from engine.bench.sync_clock_in import ClockSender
from engine.core.protocol import commands as cmd
from engine.core.score import Score, Track
from engine.measure.midi_capture import MidiRecorder
from sequencer_gui.settings.preferences import Preferences, preferences_from_dict
from tests.sequencer_gui.conftest import pump
from tests.sequencer_gui.test_recording import recording_window  # noqa: F401 (fixture)

pytestmark = pytest.mark.gui


@pytest.fixture
def own_preferences(monkeypatch, tmp_path):
    """Preferences of this test's own: the choices made here must not follow every later
    window of the session onto its engine."""
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(tmp_path / "config"))


def entry(menu, label: str) -> int:
    for i in range(menu.index("end") + 1):
        if menu.type(i) != "separator" and menu.entrycget(i, "label").strip(" ●") == label:
            return i
    raise AssertionError(f"no menu entry {label!r}")


def test_following_a_clock_needs_a_port_first_and_clock_out_is_remembered(own_preferences, window):
    sync = window.sync_menu
    sync.menu.invoke(entry(sync.menu, "MIDI Clock In"))
    assert sync.source_var.get() == "internal"
    assert "MIDI Clock In From" in window.status.message.cget("text")
    sync._fill_clock_out()
    sync.clock_out_menu.invoke(entry(sync.clock_out_menu, "Pianola's own port (pianola-clock:out)"))
    assert window.files.prefs.preferences.midi_clock_out == "Pianola"


def test_the_sync_preferences_are_checked_one_field_at_a_time():
    prefs, problem = preferences_from_dict({"sync_source": "telepathy", "midi_clock_in": "x:out"})
    assert prefs.sync_source == "internal" and prefs.midi_clock_in == "x:out"
    assert problem == (
        "sync source must be one of internal, link, jack-follow, jack-lead, midi-clock, "
        "not 'telepathy'"
    )
    with pytest.raises(ValueError, match="port name"):
        Preferences(midi_clock_out=3)


@pytest.mark.audio
def test_a_clock_chosen_in_the_menu_is_followed_shown_and_kept(
    own_preferences,
    recording_window,  # noqa: F811
    tk_root,
    jack_server,
):
    win = recording_window(Score(tracks=(Track("Keys"),)))
    sync = win.sync_menu
    sender_name = f"clock-sender-{os.getpid()}"
    with MidiRecorder(sender_name, server=jack_server) as recorder:
        pump(tk_root, 1.0, lambda: recorder.frame_now() > 0)
        sender = ClockSender(recorder, 97.0)
        try:
            port = f"{sender_name}:out"
            win.link.send(cmd.ListMidiPortsCommand())
            assert pump(tk_root, 20, lambda: port in sync.jack_outputs), (
                sync.jack_outputs,
                win.recording.outputs.inputs,
            )
            sync._fill_clock_in()
            sync.clock_in_menu.invoke(entry(sync.clock_in_menu, port))
            assert pump(tk_root, 20, lambda: sync.source_var.get() == "midi-clock")
            shown = lambda: float(win.transport.tempo_var.get())  # noqa: E731
            assert pump(tk_root, 20, lambda: abs(shown() - 97.0) < 0.1), shown()
            assert win.document.score.tempo_map.bpm_at(0) == 120  # the song keeps its own
            prefs = win.files.prefs.preferences
            assert (prefs.sync_source, prefs.midi_clock_in) == ("midi-clock", port)

            sync.menu.invoke(entry(sync.menu, "JACK Transport: Lead"))
            assert pump(tk_root, 20, lambda: sync.source_var.get() == "jack-lead")
            assert pump(tk_root, 20, lambda: shown() == 120.0), shown()
            assert win.files.prefs.preferences.sync_source == "jack-lead"
            pump(tk_root, 1.0, lambda: False)
            assert win.link.state == "ready"  # leading runs a helper: the engine lives on
        finally:
            sender.close()
