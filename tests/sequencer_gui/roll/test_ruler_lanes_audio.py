"""Tempo changes made in the ruler's lane are heard at their place: the real window, the
real engine on the private JACK server, onsets found in a recording of its output."""

import numpy as np
import pytest

from engine.core import edits
from engine.core.audio_settings import AudioSettings
from engine.core.score import Note
from tests.sequencer_gui.conftest import FONT, pump
from tests.sequencer_gui.roll.test_ruler_lanes import Lanes

pytestmark = [pytest.mark.gui, pytest.mark.audio]

RATE = 48000
TOLERANCE = 256 + 64  # scheduled notes: one FluidSynth block of error, plus margin


@pytest.fixture
def live_window(tk_root, jack_server):
    from sequencer_gui.app import MainWindow

    settings = AudioSettings(
        driver="jack", jack_server=jack_server, reverb=False, soundfont=str(FONT)
    )
    win = MainWindow(tk_root, settings=settings, realtime=False)
    try:
        assert pump(tk_root, 30, lambda: win.link.state != "starting"), "engine never answered"
        assert win.link.state == "ready", win.link.error
        yield win
    finally:
        win.close()


def onset_gaps(win, jack_server, seconds: float) -> np.ndarray:
    """Play from the start for ``seconds`` and return the gaps between heard onsets."""
    from engine.measure.capture import Recorder
    from engine.measure.onsets import find_onsets

    win.to_start()
    win.root.update()
    with Recorder(
        r"^pianola:", channels=2, server_name=jack_server, max_seconds=seconds + 2
    ) as rec:
        rec.start()
        win.playback.play()
        pump(win.root, seconds, lambda: False)
        recording = rec.stop()
        win.playback.stop()
    pump(win.root, 0.2, lambda: False)
    mag = recording.magnitude()
    frames = recording.jack_frames(find_onsets(mag, float(mag.max()) * 0.1, 4800))
    return np.diff(frames)


def heard_as(gaps, expected) -> bool:
    """Onsets where the expected gaps put them, but one: a dummy JACK server without
    realtime scheduling on a busy machine can drop a cycle, which shifts one onset (and
    so two gaps) but never the tempo.  Positions are aligned on their median offset."""
    heard = np.concatenate(([0], np.cumsum(gaps)))
    wanted = np.concatenate(([0], np.cumsum(expected)))
    offset = np.median(heard - wanted)
    wrong = np.abs(heard - wanted - offset) > TOLERANCE
    return int(wrong.sum()) <= 1


def test_a_tempo_change_added_moved_and_removed_in_the_lane_is_heard_there(
    live_window, jack_server
):
    win = live_window
    doc = win.document
    # a note on every beat at 120 BPM: one every half second
    score, _ = edits.add_notes(doc.score, 0, [Note(i * 480, 120, 60) for i in range(10)])
    doc.apply(score, "beats")
    lanes = Lanes(win)

    lanes.double_click("tempo", 1920)  # add at bar 2, then type 240 BPM
    win.transport.tempo.delete(0, "end")
    win.transport.tempo.insert(0, "240")
    win.transport.tempo.event_generate("<Return>")
    win.root.update()
    lanes.drag("tempo", 1920, 960)  # move it to beat 3
    assert [(c.tick, round(c.bpm)) for c in doc.score.tempo_map.changes] == [(0, 120), (960, 240)]

    gaps = onset_gaps(win, jack_server, 3.2)
    # beats 1-3 half a second apart, then a quarter of a second from the change on
    expected = [RATE // 2] * 2 + [RATE // 4] * 7
    assert len(gaps) >= 6, f"onset gaps {gaps.tolist()}"
    n = min(len(gaps), len(expected))
    assert heard_as(gaps[:n], expected[:n]), f"onset gaps {gaps.tolist()}"

    lanes.right_click("tempo", 960)
    assert len(doc.score.tempo_map.changes) == 1
    gaps = onset_gaps(win, jack_server, 2.8)
    assert len(gaps) >= 4, f"onset gaps {gaps.tolist()}"
    assert heard_as(gaps, [RATE // 2] * len(gaps)), f"onset gaps {gaps.tolist()}"


def test_a_meter_change_added_moved_and_removed_in_the_lane_is_heard_on_the_metronome(
    live_window, jack_server
):
    from engine.core.protocol import commands as cmd

    win = live_window
    doc = win.document
    win.link.send(cmd.SetMetronomeCommand(True))  # a click on every beat of the meter
    # no notes: a looped region keeps the transport going (an empty song ends at once)
    doc.apply(edits.set_loop(doc.score, 0, 8 * 1920, True), "loop")
    lanes = Lanes(win)
    lanes.double_click("meter", 1920)  # add at bar 2, then choose 6/8: beats of an eighth
    win.transport.meter_var.set("6/8")
    win.transport.meter.event_generate("<<ComboboxSelected>>")
    win.root.update()
    lanes.drag("meter", 1920, 3840)  # move it to bar 3
    sigs = [(s.tick, s.numerator, s.denominator) for s in doc.score.time_signatures.signatures]
    assert sigs == [(0, 4, 4), (3840, 6, 8)]

    gaps = onset_gaps(win, jack_server, 4.6)
    # two bars of quarters half a second apart, then eighths a quarter of a second apart
    expected = [RATE // 2] * 8 + [RATE // 4] * 4
    assert len(gaps) >= 10, f"onset gaps {gaps.tolist()}"
    n = min(len(gaps), len(expected))
    assert heard_as(gaps[:n], expected[:n]), f"onset gaps {gaps.tolist()}"

    lanes.right_click("meter", 3840)
    assert len(doc.score.time_signatures.signatures) == 1
    gaps = onset_gaps(win, jack_server, 2.8)
    assert len(gaps) >= 4, f"onset gaps {gaps.tolist()}"
    assert heard_as(gaps, [RATE // 2] * len(gaps)), f"onset gaps {gaps.tolist()}"
