"""Undo history: one step per edit, one step per whole drag, saved-state tracking."""

import pytest

from engine.core import edits
from engine.core.errors import ScoreError
from engine.core.history import History
from engine.core.score import Note, Score, Track


def start():
    return Score(tracks=(Track(notes=(Note(0, 100, 60),)),))


def test_apply_undo_redo_with_labels():
    h = History(start())
    s0 = h.score
    s1, _ = edits.add_notes(s0, 0, [Note(480, 10, 62)])
    h.apply(s1, "Add note")
    assert (h.can_undo, h.undo_label, h.can_redo) == (True, "Add note", False)
    assert h.undo() and h.score is s0
    assert (h.can_redo, h.redo_label, h.can_undo) == (True, "Add note", False)
    assert h.redo() and h.score is s1
    assert not h.redo()
    h.undo()
    assert not h.undo()


def test_new_edit_clears_redo():
    h = History(start())
    h.apply(edits.set_tempo(h.score, 0, 90), "Tempo")
    h.undo()
    h.apply(edits.set_tempo(h.score, 0, 100), "Tempo 100")
    assert not h.can_redo and h.undo_label == "Tempo 100"


def test_a_whole_drag_is_one_undo_step():
    h = History(start())
    s0 = h.score
    note = s0.tracks[0].notes[0]
    h.begin("Move notes")
    for dt in (10, 20, 30, 40):
        moved, _ = edits.move_notes(s0, 0, [note], dt, 1)
        h.update(moved)
    assert h.score.tracks[0].notes == (Note(40, 100, 61),)
    assert h.undo_label == "Move notes"
    h.commit()
    assert h.undo() and h.score is s0
    assert not h.can_undo
    assert h.redo() and h.score.tracks[0].notes == (Note(40, 100, 61),)


def test_cancelled_or_empty_drag_leaves_no_step():
    h = History(start())
    s0 = h.score
    h.begin("Resize")
    h.update(edits.resize_notes(s0, 0, s0.tracks[0].notes, 50)[0])
    h.cancel()
    assert h.score is s0 and not h.can_undo
    h.begin("Resize")
    h.commit()
    assert not h.can_undo
    with pytest.raises(ScoreError, match="begin"):
        h.update(s0)


def test_generation_bumps_on_every_change():
    h = History(start())
    g = [h.generation]
    h.apply(edits.set_tempo(h.score, 0, 90), "Tempo")
    g.append(h.generation)
    h.begin("Drag")
    h.update(edits.set_tempo(h.score, 0, 95))
    g.append(h.generation)
    h.cancel()
    g.append(h.generation)
    h.undo()
    g.append(h.generation)
    h.redo()
    g.append(h.generation)
    assert g == sorted(set(g)) and len(g) == 6
    before = h.generation
    h.apply(h.score, "nothing")
    assert h.generation == before and h.undo_label == "Tempo"


def test_modified_follows_undo_back_to_the_saved_score():
    h = History(start())
    assert not h.is_modified
    h.apply(edits.set_tempo(h.score, 0, 90), "Tempo")
    assert h.is_modified
    h.mark_saved()
    assert not h.is_modified
    h.undo()
    assert h.is_modified
    h.redo()
    assert not h.is_modified


def test_limit_drops_the_oldest_steps():
    h = History(start(), limit=3)
    for bpm in (61, 62, 63, 64, 65):
        h.apply(edits.set_tempo(h.score, 0, bpm), f"Tempo {bpm}")
    steps = 0
    while h.undo():
        steps += 1
    assert steps == 3
    assert round(h.score.tempo_map.bpm_at(0)) == 62


def test_undo_or_a_new_edit_during_a_drag_first_ends_the_drag():
    h = History(start())
    s0 = h.score
    h.begin("Drag")
    dragged = edits.set_tempo(s0, 0, 90)
    h.update(dragged)
    assert h.can_undo and not h.can_redo
    assert h.undo() and h.score is s0 and not h.in_gesture
    assert h.redo() and h.score is dragged
    h.begin("Drag 2")
    h.update(edits.set_tempo(dragged, 0, 95))
    h.apply(edits.set_tempo(h.score, 0, 100), "Tempo 100")
    assert h.undo_label == "Tempo 100"
    h.undo()
    assert h.undo_label == "Drag 2" and round(h.score.tempo_map.bpm_at(0)) == 95


def test_history_rejects_what_is_not_a_score():
    with pytest.raises(ScoreError):
        History("song")
    h = History(start())
    with pytest.raises(ScoreError):
        h.apply(None, "x")
    with pytest.raises(ScoreError):
        History(start(), limit=0)
