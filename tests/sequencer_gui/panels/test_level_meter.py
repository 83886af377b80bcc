"""The level meters with the real engine: the output's and each track's move while a song
plays and rest at silence -- on the "none" driver and on the private JACK server (both
measured in the synth's audio callback, engine.audio.group_mix)."""

import pytest

from engine.core import edits
from engine.core.score import Note, Score, Track
from sequencer_gui.panels.level_meter import FLOOR_DB
from tests.sequencer_gui.conftest import pump

pytestmark = pytest.mark.gui


def play_and_watch(win):
    score, _ = edits.add_notes(
        win.document.score, 0, [Note(i * 480, 400, 60 + i % 7, 110) for i in range(6)]
    )
    win.document.apply(score, "notes")
    win.root.update()
    loudest = [FLOOR_DB]

    def loud():
        loudest[0] = max(loudest[0], *win.meter.level_db())
        return loudest[0] > -30

    win.toggle_play()
    assert pump(win.root, 30, loud), f"the meter never moved (loudest {loudest[0]} dB)"
    # the song ends after six beats; the notes die away and the meter comes to rest
    assert pump(win.root, 15, lambda: not win.playback.playing)
    assert pump(win.root, 10, lambda: max(win.meter.level_db()) <= FLOOR_DB), win.meter.level_db()
    # it rests: the bars stay empty
    pump(win.root, 0.5, lambda: False)
    meter = win.meter
    for bar in meter.bars:
        x0, _, x1, _ = meter.canvas.coords(bar)
        assert x1 - x0 == 0


def test_the_meter_moves_while_playing_and_rests_at_silence(playing_window):
    play_and_watch(playing_window)
    load = playing_window.link.read_load()
    assert load is not None and load >= 0
    assert "load" in playing_window.status.engine.cget("text")


@pytest.mark.audio
def test_the_meter_follows_the_jack_output(tk_root, jack_server):
    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from tests.sequencer_gui.conftest import FONT

    settings = AudioSettings(
        driver="jack", jack_server=jack_server, reverb=False, soundfont=str(FONT)
    )
    win = MainWindow(tk_root, settings=settings, realtime=False)
    try:
        assert pump(tk_root, 60, lambda: win.link.state != "starting"), "engine never answered"
        assert win.link.state == "ready", win.link.error
        play_and_watch(win)
    finally:
        win.close()


def play_three_tracks(win):
    """Lead and bass play, the empty middle track does not: their bars say so."""
    lead = Track(name="Lead", notes=tuple(Note(i * 480, 400, 72 + i % 5, 110) for i in range(6)))
    bass = Track(name="Bass", channel=2, program=33, notes=(Note(240, 1800, 36, 120),))
    win.document.replace(Score(tracks=(lead, Track(name="Empty", channel=1), bass)), None)
    win.root.update()
    loudest = [FLOOR_DB] * 3
    output = [FLOOR_DB]

    def both_loud():
        loudest[:] = [max(a, b) for a, b in zip(loudest, win.track_meters.level_db())]
        output[0] = max(output[0], *win.meter.level_db())
        return loudest[0] > -30 and loudest[2] > -30 and output[0] > -30

    win.toggle_play()
    assert pump(win.root, 30, both_loud), f"the meters never moved ({loudest}, {output} dB)"
    bars = [row.meter for row in win.tracks.rows]
    assert loudest[1] == FLOOR_DB  # the empty track's own audio is silence
    # a bar that moves is drawn: it rises from the bottom of its strip
    assert pump(
        win.root, 2, lambda: bars[0].canvas.coords(bars[0].bar)[1] < bars[0].canvas.winfo_height()
    )
    assert pump(win.root, 15, lambda: not win.playback.playing)
    assert pump(win.root, 10, lambda: max(win.track_meters.level_db()) <= FLOOR_DB)
    pump(win.root, 0.5, lambda: False)
    for bar in bars:
        assert bar.canvas.itemcget(bar.bar, "state") == "hidden"


def test_each_track_meter_moves_with_its_own_sound(playing_window):
    play_three_tracks(playing_window)


@pytest.mark.audio
def test_each_track_meter_follows_its_track_on_jack(tk_root, jack_server):
    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from tests.sequencer_gui.conftest import FONT

    settings = AudioSettings(
        driver="jack", jack_server=jack_server, reverb=False, soundfont=str(FONT)
    )
    win = MainWindow(tk_root, settings=settings, realtime=False)
    try:
        assert pump(tk_root, 60, lambda: win.link.state != "starting"), "engine never answered"
        assert win.link.state == "ready", win.link.error
        play_three_tracks(win)
    finally:
        win.close()
