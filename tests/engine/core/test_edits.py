"""Pure score edits: each returns a new score and the edited notes in the given order."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core import edits
from engine.core.errors import ScoreError
from engine.core.score import MAX_TICK, Note, Score, Track


def song(*notes, tracks=1):
    return Score(
        tracks=tuple(Track(name=f"T{i}", notes=notes if i == 0 else ()) for i in range(tracks))
    )


notes_st = st.lists(
    st.builds(
        Note, st.integers(0, 5000), st.integers(1, 960), st.integers(0, 127), st.integers(1, 127)
    ),
    min_size=1,
    max_size=30,
)


def test_add_notes_keeps_track_sorted_and_returns_the_notes():
    s = song(Note(960, 10, 60))
    new, added = edits.add_notes(s, 0, [Note(480, 10, 62), Note(0, 5, 64)])
    assert added == (Note(480, 10, 62), Note(0, 5, 64))
    assert new.tracks[0].notes == (Note(0, 5, 64), Note(480, 10, 62), Note(960, 10, 60))
    assert s.tracks[0].notes == (Note(960, 10, 60),)  # the old score is untouched


def test_delete_removes_one_copy_per_note_named():
    a = Note(0, 10, 60)
    s = song(a, a, Note(5, 10, 61))
    new, out = edits.delete_notes(s, 0, [a])
    assert out == ()
    assert new.tracks[0].notes == (a, Note(5, 10, 61))


def test_editing_a_note_that_is_not_there_is_an_error():
    s = song(Note(0, 10, 60))
    with pytest.raises(ScoreError, match="not in track"):
        edits.move_notes(s, 0, [Note(1, 10, 60)], 5, 0)
    with pytest.raises(ScoreError, match="no track number 3"):
        edits.add_notes(s, 3, [Note(1, 10, 60)])


def test_move_returns_notes_in_the_order_given():
    a, b = Note(0, 10, 60), Note(100, 10, 50)
    new, moved = edits.move_notes(song(a, b), 0, [b, a], 20, 2)
    assert moved == (Note(120, 10, 52), Note(20, 10, 62))
    assert new.tracks[0].notes == (Note(20, 10, 62), Note(120, 10, 52))


def test_move_clamps_the_whole_group_at_the_edges():
    a, b = Note(10, 10, 120), Note(100, 10, 50)
    _, moved = edits.move_notes(song(a, b), 0, [a, b], -500, 20)
    # the chord keeps its shape: both moved by -10 ticks and +7 semitones
    assert moved == (Note(0, 10, 127), Note(90, 10, 57))
    _, moved = edits.move_notes(song(a, b), 0, [a, b], 0, -100)
    assert [n.pitch for n in moved] == [70, 0]


@given(notes_st, st.integers(-10000, 10000), st.integers(-200, 200))
def test_move_never_leaves_range_and_keeps_the_count(notes, dt, dp):
    s = song(*notes)
    new, moved = edits.move_notes(s, 0, notes, dt, dp)
    assert len(new.tracks[0].notes) == len(notes)
    assert sorted(moved) == list(new.tracks[0].notes)
    offsets = {(m.start_tick - n.start_tick, m.pitch - n.pitch) for n, m in zip(notes, moved)}
    assert len(offsets) == 1


def test_resize_end_and_start_respect_min_length():
    n = Note(100, 50, 60)
    s = song(n)
    assert edits.resize_notes(s, 0, [n], 30)[1] == (Note(100, 80, 60),)
    assert edits.resize_notes(s, 0, [n], -100, min_length=10)[1] == (Note(100, 10, 60),)
    assert edits.resize_notes(s, 0, [n], -40, edge="start")[1] == (Note(60, 90, 60),)
    assert edits.resize_notes(s, 0, [n], -400, edge="start")[1] == (Note(0, 150, 60),)
    assert edits.resize_notes(s, 0, [n], 400, edge="start", min_length=5)[1] == (Note(145, 5, 60),)
    with pytest.raises(ScoreError, match="'middle'"):
        edits.resize_notes(s, 0, [n], 1, edge="middle")


def test_set_velocity_absolute_and_relative():
    a, b = Note(0, 10, 60, 100), Note(5, 10, 61, 20)
    s = song(a, b)
    assert [n.velocity for n in edits.set_velocity(s, 0, [a, b], velocity=64)[1]] == [64, 64]
    assert [n.velocity for n in edits.set_velocity(s, 0, [a, b], delta=40)[1]] == [127, 60]
    assert [n.velocity for n in edits.set_velocity(s, 0, [a, b], delta=-40)[1]] == [60, 1]
    with pytest.raises(ScoreError, match="velocity must be from 1 to 127, not 200"):
        edits.set_velocity(s, 0, [a], velocity=200)
    with pytest.raises(ScoreError):
        edits.set_velocity(s, 0, [a], velocity=1, delta=1)


def test_transpose_clamps():
    a = Note(0, 10, 125)
    assert edits.transpose(song(a), 0, [a], 12)[1] == (Note(0, 10, 127),)


def test_quantize_full_and_half_strength():
    a, b = Note(130, 100, 60), Note(370, 100, 61)
    s = song(a, b)
    assert edits.quantize(s, 0, [a, b], 240)[1] == (Note(240, 100, 60), Note(480, 100, 61))
    assert edits.quantize(s, 0, [a, b], 240, strength=0.5)[1] == (
        Note(185, 100, 60),
        Note(425, 100, 61),
    )
    assert edits.quantize(s, 0, [a, b], 240, strength=0.0)[1] == (a, b)


def test_quantize_ends_never_collapse_a_note():
    a = Note(230, 20, 60)  # start snaps to 240, end 250 snaps to 240 -> pushed to 480
    assert edits.quantize(song(a), 0, [a], 240, ends=True)[1] == (Note(240, 240, 60),)
    b = Note(10, 500, 60)
    assert edits.quantize(song(b), 0, [b], 240, ends=True)[1] == (Note(0, 480, 60),)


@given(notes_st, st.sampled_from([1, 30, 120, 480]), st.floats(0, 1))
def test_quantized_starts_move_towards_the_grid(notes, grid, strength):
    s = song(*notes)
    _, out = edits.quantize(s, 0, notes, grid, strength=strength)
    for n, m in zip(notes, out):
        target = (n.start_tick + grid // 2) // grid * grid
        assert abs(target - m.start_tick) <= abs(target - n.start_tick)
        assert m.length_ticks == n.length_ticks


def test_duplicate_adds_shifted_copies():
    a, b = Note(0, 10, 60), Note(240, 10, 62)
    new, copies = edits.duplicate_notes(song(a, b), 0, [a, b], 480)
    assert copies == (Note(480, 10, 60), Note(720, 10, 62))
    assert len(new.tracks[0].notes) == 4


def test_copy_and_paste_at_a_position():
    a, b = Note(1000, 10, 60), Note(1240, 10, 62)
    clip = edits.copy_notes([b, a])
    assert clip.notes == (Note(240, 10, 62), Note(0, 10, 60))
    assert clip.length_ticks == 250
    new, pasted = edits.paste(song(a, b, tracks=2), 1, clip, 96)
    assert pasted == (Note(336, 10, 62), Note(96, 10, 60))
    assert new.tracks[1].notes == (Note(96, 10, 60), Note(336, 10, 62))


def test_track_add_remove_move_update():
    s = song(Note(0, 1, 60), tracks=3)
    s = edits.add_track(s, Track(name="New"), 1)
    assert [t.name for t in s.tracks] == ["T0", "New", "T1", "T2"]
    s = edits.move_track(s, 0, 3)
    assert [t.name for t in s.tracks] == ["New", "T1", "T2", "T0"]
    s = edits.remove_track(s, 1)
    assert [t.name for t in s.tracks] == ["New", "T2", "T0"]
    s = edits.update_track(s, 2, volume=30, mute=True)
    assert (s.tracks[2].volume, s.tracks[2].mute, len(s.tracks[2].notes)) == (30, True, 1)
    with pytest.raises(ScoreError, match="'tint'"):
        edits.update_track(s, 0, tint="red")
    with pytest.raises(ScoreError, match="track colour must be #rrggbb or empty, not 'red'"):
        edits.update_track(s, 0, colour="red")
    assert edits.update_track(s, 0, colour="#4fb8e6").tracks[0].colour == "#4fb8e6"
    with pytest.raises(ScoreError, match="track volume must be from 0 to 127, not 300"):
        edits.update_track(s, 0, volume=300)


def test_tempo_time_signature_and_loop():
    s = edits.set_tempo(Score(), 960, 90)
    assert s.tempo_map.bpm_at(960) == pytest.approx(90)
    s = edits.set_tempo(s, 0, 60)
    assert s.tempo_map.changes[0].us_per_quarter == 1_000_000
    assert len(edits.remove_tempo(s, 960).tempo_map.changes) == 1
    with pytest.raises(ScoreError, match="no tempo change at tick 5"):
        edits.remove_tempo(s, 5)
    with pytest.raises(ScoreError, match="BPM"):
        edits.set_tempo(s, 0, 5000)
    s = edits.set_time_signature(s, 1920, 3, 4)
    assert s.time_signatures.at(2000).numerator == 3
    assert len(edits.remove_time_signature(s, 1920).time_signatures.signatures) == 1
    s = edits.set_loop(s, 0, 1920, True)
    assert (s.loop.start_tick, s.loop.end_tick, s.loop_enabled) == (0, 1920, True)
    s = edits.set_loop(s, None, None, False)
    assert s.loop is None and not s.loop_enabled
    with pytest.raises(ScoreError, match="loop end"):
        edits.set_loop(s, 100, 50, True)


def test_huge_shifts_are_clamped_to_the_tick_limit():
    a = Note(0, 10, 60)
    _, moved = edits.move_notes(song(a), 0, [a], MAX_TICK, 0)
    assert moved[0].end_tick == MAX_TICK
