"""Arranging the song: note blocks, moving, copying and pasting placements and notes (pure)."""

import pytest

from engine.core import edits
from engine.core import pattern_edits as pe
from engine.core.errors import ScoreError
from engine.core.score import Note, Score, Track
from sequencer_gui.steps import song_items as si
from sequencer_gui.steps.song_items import NoteBlock, NoteKey

BAR = 1920


def song(*notes_per_track, tracks=3):
    tracks_ = [Track(name=f"T{i}") for i in range(tracks)]
    score = Score(tracks=tuple(tracks_))
    for i, notes in enumerate(notes_per_track):
        score, _ = edits.add_notes(score, i, notes)
    return score


def with_pattern(score, track, start, repeats=1):
    if not score.patterns:
        score = pe.add_pattern(score, pe.new_pattern("Beat", (36,)))
    pattern = score.patterns[0]
    score, placement = pe.place_pattern(score, pattern.id, track, start, repeats)
    return score, placement.id


def test_blocks_run_over_bars_with_notes_and_split_at_an_empty_bar():
    score = song(
        [
            Note(100, 200, 60),  # bar 1
            Note(BAR + 50, 100, 62),  # bar 2: joins bar 1
            Note(3 * BAR + 10, 2 * BAR, 64),  # bars 4-6 (bar 3 is empty: a new block)
            Note(4 * BAR, 100, 65),  # inside the long note's bars
        ]
    )
    assert si.track_blocks(score, 0) == (
        NoteBlock(0, 0, 2 * BAR, 2),
        NoteBlock(0, 3 * BAR, 6 * BAR, 2),
    )
    assert si.track_blocks(score, 1) == ()
    assert si.block_at(score, 0, 3 * BAR + 5) == NoteKey(0, 3 * BAR)
    assert si.block_at(score, 0, 2 * BAR + 5) is None


def test_a_note_ending_on_a_bar_line_stays_in_its_bar():
    score = song([Note(0, BAR, 60)])
    assert si.track_blocks(score, 0) == (NoteBlock(0, 0, BAR, 1),)


def test_block_cache_follows_edits():
    score = song([Note(0, 100, 60)])
    cache = si.BlockCache()
    assert cache.blocks(score) == [NoteBlock(0, 0, BAR, 1)]
    score, _ = edits.add_notes(score, 1, [Note(2 * BAR, 100, 60)])
    assert cache.blocks(score) == [NoteBlock(0, 0, BAR, 1), NoteBlock(1, 2 * BAR, 3 * BAR, 1)]


def test_moving_a_block_and_a_placement_together_moves_notes_and_placement():
    score = song([Note(100, 200, 60), Note(BAR + 5, 10, 61)])
    score, pid = with_pattern(score, 1, 0)
    moved = si.move_items(score, [NoteKey(0, 0), pid], 2 * BAR, 1)
    assert moved.tracks[0].notes == ()
    assert moved.tracks[1].notes == (Note(2 * BAR + 100, 200, 60), Note(3 * BAR + 5, 10, 61))
    (p,) = moved.placements
    assert (p.id, p.track, p.start_tick) == (pid, 2, 2 * BAR)


def test_a_move_onto_another_placement_or_off_the_song_is_refused():
    score, first = with_pattern(song(), 0, 0)
    score, second = with_pattern(score, 0, 2 * BAR)
    with pytest.raises(ScoreError, match="already placed there on track 1"):
        si.move_items(score, [second], -BAR - BAR // 2, 0)
    with pytest.raises(ScoreError, match="before the start"):
        si.move_items(score, [first, second], -BAR, 0)
    with pytest.raises(ScoreError, match="no track there"):
        si.move_items(score, [first], 0, 3)
    # two placements moved together never collide with each other
    moved = si.move_items(score, [first, second], BAR, 1)
    assert sorted((p.track, p.start_tick) for p in moved.placements) == [(1, BAR), (1, 3 * BAR)]


def test_a_nudge_moves_by_whole_bars_of_the_meter_there_and_keeps_the_layout():
    score = song([Note(BAR + 100, 200, 60)])
    score, pid = with_pattern(score, 1, 2 * BAR)
    score = edits.set_time_signature(score, 3 * BAR, 3, 4)  # bars of 1440 from bar 4 on
    moved, keys = si.nudge_items(score, [NoteKey(0, BAR), pid], 2, 0)
    # the earliest item goes two bar lines on; the placement keeps its distance to it
    assert moved.tracks[0].notes == (Note(3 * BAR + 100, 200, 60),)
    assert moved.placements[0].start_tick == 4 * BAR
    assert keys == {NoteKey(0, 3 * BAR), pid}
    back, _ = si.nudge_items(moved, keys, -2, 0)
    assert back.tracks[0].notes == score.tracks[0].notes
    later, _ = si.nudge_items(score, [pid], 2, 0)  # the placement alone: 3/4 bars
    assert later.placements[0].start_tick == 3 * BAR + 1440
    with pytest.raises(ScoreError, match="before the start"):
        si.nudge_items(score, [pid], -3, 0)
    with pytest.raises(ScoreError, match="no track there"):
        si.nudge_items(score, [pid], 0, 2)
    assert si.nudge_items(score, [], 1, 0) == (score, set())


def test_copy_and_paste_keep_the_layout_across_tracks_with_new_ids():
    score = song([], [Note(BAR + 10, 100, 50)])
    score, pid = with_pattern(score, 0, BAR)
    clip = si.copy_items(score, [pid, NoteKey(1, BAR)])
    assert (clip.length_ticks, clip.tracks) == (BAR, 2)
    pasted, keys = si.paste_clip(score, clip, 4 * BAR, 1)
    new = [p for p in pasted.placements if p.id != pid]
    assert [(p.track, p.start_tick) for p in new] == [(1, 4 * BAR)]
    assert pasted.tracks[2].notes == (Note(4 * BAR + 10, 100, 50),)
    assert keys == {new[0].id, NoteKey(2, 4 * BAR)}
    with pytest.raises(ScoreError, match="not enough below track 3"):
        si.paste_clip(score, clip, 0, 2)
    with pytest.raises(ScoreError, match="already placed"):
        si.paste_clip(score, clip, BAR, 0)


def test_duplicate_goes_after_the_selection_from_the_next_bar_line():
    score, pid = with_pattern(song(), 0, 0)  # one bar of 16 sixteenths
    assert si.selection_end(score, [pid]) == BAR
    score2 = song([Note(10, BAR + 100, 60)])
    assert si.selection_end(score2, [NoteKey(0, 0)]) == 2 * BAR


def test_delete_items_removes_notes_and_placements():
    score = song([Note(0, 100, 60), Note(5 * BAR, 100, 60)])
    score, pid = with_pattern(score, 1, 0)
    left = si.delete_items(score, [pid, NoteKey(0, 0)])
    assert left.placements == ()
    assert left.tracks[0].notes == (Note(5 * BAR, 100, 60),)
    assert si.existing(left, [pid, NoteKey(0, 0), NoteKey(0, 5 * BAR)]) == {NoteKey(0, 5 * BAR)}
