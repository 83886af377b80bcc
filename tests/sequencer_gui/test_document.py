"""The window's Document: one history, a path, and listeners told why it changed (no display)."""

from pathlib import Path

from engine.core import edits
from engine.core.score import Note, Score, Track
from sequencer_gui.document import Document, empty_score


def recorded(doc):
    reasons = []
    doc.add_listener(lambda d, reason: reasons.append(reason))
    return reasons


def test_new_document_is_one_empty_piano_track_and_unmodified():
    doc = Document()
    assert doc.score == empty_score() and doc.display_name == "Untitled"
    assert not doc.is_modified and doc.track.name == "Piano"


def test_edits_undo_redo_and_saving_are_announced():
    doc = Document()
    reasons = recorded(doc)
    score, _ = edits.add_notes(doc.score, 0, [Note(0, 120, 60)])
    doc.apply(score, "Add note")
    assert doc.is_modified and reasons == ["edit"]
    doc.apply(doc.score, "nothing")  # no change, no step, no announcement
    assert reasons == ["edit"]
    assert doc.undo() and doc.score.tracks[0].notes == ()
    assert doc.redo() and doc.score is score
    doc.mark_saved(Path("/tmp/x.pianola"))
    assert reasons == ["edit", "edit", "edit", "saved"]
    assert not doc.is_modified and doc.display_name == "x.pianola"


def test_a_drag_is_one_step_and_cancel_restores():
    doc = Document()
    reasons = recorded(doc)
    doc.begin("Move")
    for pitch in (60, 61, 62):
        doc.update(Score(tracks=(Track(notes=(Note(0, 120, pitch),)),)))
    doc.commit()
    assert doc.history.undo_label == "Move" and reasons == ["edit"] * 3
    doc.undo()
    assert doc.score == empty_score()
    doc.begin("Move")
    doc.update(Score(tracks=(Track(notes=(Note(0, 120, 70),)),)))
    doc.cancel()
    assert doc.score == empty_score() and doc.history.can_redo  # the undone step survives


def test_replace_loads_a_new_song_with_a_fresh_history():
    doc = Document()
    reasons = recorded(doc)
    doc.apply(edits.add_track(doc.score, Track(name="Bass")), "Add track")
    doc.set_track_index(1)
    song = Score(tracks=(Track(name="Lead"),))
    doc.replace(song, Path("song.pianola"))
    assert reasons == ["edit", "track", "load"]
    assert doc.score is song and doc.track_index == 0 and not doc.history.can_undo
    assert doc.path == Path("song.pianola") and not doc.is_modified


def test_track_index_is_kept_in_range_when_tracks_go():
    doc = Document(Score(tracks=(Track(name="A"), Track(name="B"))))
    doc.set_track_index(5)
    assert doc.track_index == 1
    doc.apply(edits.remove_track(doc.score, 1), "Remove track")
    assert doc.track_index == 0
