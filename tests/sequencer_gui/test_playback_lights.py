"""Lit notes in the real window with a real engine ("none" driver): a note-started event
that arrives after Stop lights nothing."""

import pytest

from engine.core import edits
from engine.core.protocol import events as evt
from engine.core.score import Note
from tests.sequencer_gui.conftest import pump

pytestmark = pytest.mark.gui


def test_a_late_note_started_event_after_stop_lights_nothing(playing_window):
    win = playing_window
    notes = [Note(i * 240, 200, 60 + i % 5) for i in range(32)]
    score, _ = edits.add_notes(win.document.score, 0, notes)
    win.document.apply(score, "notes")
    win.toggle_play()
    assert pump(win.root, 30, lambda: bool(win.roll.lit)), "no note lit while playing"
    win.toggle_play()
    win.root.update()
    assert not win.playback.playing and not win.roll.lit
    # what was already on the event pipe when Stop was pressed
    late = notes[12]
    for listener in list(win.link.listeners):
        listener(evt.NoteStartedEvent(0, late.pitch, late.start_tick, late.length_ticks, 0))
    pump(win.root, 0.3, lambda: False)
    assert not win.roll.lit
    fill = win.roll.canvas.itemcget(win.roll.note_pool.item(late), "fill")
    assert fill == win.roll.note_fill(late)
