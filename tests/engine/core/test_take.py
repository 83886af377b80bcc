"""A take: played messages made into notes and laid into a track (pure)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.controllers import ControlEvent
from engine.core.errors import ScoreError
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.take import Take, TakeSettings, lay_in


def on(key, velocity=100):
    return bytes((0x90, key, velocity))


def off(key):
    return bytes((0x80, key, 0))


def test_note_on_and_off_of_a_key_make_one_note():
    take = Take(0, None, TakeSettings())
    assert not take.add(on(60), 100, 0)
    assert take.add(off(60), 340, 0)
    assert take.notes == [Note(100, 240, 60, 100)]


def test_a_note_on_of_velocity_zero_ends_the_note():
    take = Take(0, None, TakeSettings())
    take.add(on(62, 90), 10, 0)
    take.add(bytes((0x90, 62, 0)), 20, 0)
    assert take.notes == [Note(10, 10, 62, 90)]


def test_input_quantize_moves_the_start_to_the_nearest_line_and_keeps_the_length():
    take = Take(0, None, TakeSettings(quantize_ticks=120))
    take.add(on(60), 130, 0)
    take.add(off(60), 230, 0)
    take.add(on(64), 170, 0)
    take.add(off(64), 200, 0)
    assert take.notes == [Note(120, 100, 60, 100), Note(120, 30, 64, 100)]


def test_a_note_held_over_the_loop_end_ends_there():
    take = Take(0, LoopRegion(0, 1920), TakeSettings())
    take.add(on(60), 1800, 0)
    take.add(off(60), 100, 1)
    assert take.notes == [Note(1800, 120, 60, 100)]


def test_notes_still_held_at_the_stop_end_there():
    take = Take(0, None, TakeSettings())
    take.add(on(60), 480, 0)
    take.finish(960, 0)
    assert take.notes == [Note(480, 480, 60, 100)]
    assert take.held == 0


def test_controllers_pitch_bend_and_program_changes_are_kept():
    take = Take(0, None, TakeSettings())
    assert take.add(bytes((0xB0, 64, 127)), 10, 0)
    assert take.add(bytes((0xE0, 0, 64)), 20, 0)
    assert take.add(bytes((0xC0, 5)), 30, 0)
    assert not take.add(bytes((0xB0, 123, 0)), 40, 0)  # all notes off: a mode message
    assert take.controllers == [
        ControlEvent(10, "control", 64, 127),
        ControlEvent(20, "pitch_bend", 0, 0),
        ControlEvent(30, "program", 0, 5),
    ]


def test_overdub_adds_replace_clears_the_take_range_first():
    old = (Note(0, 240, 50), Note(960, 240, 52), Note(3000, 240, 53))
    score = Score(tracks=(Track("Keys", notes=old),))
    take = Take(480, None, TakeSettings("replace"))
    take.add(on(60), 500, 0)
    take.add(off(60), 600, 0)
    take.finish(2000, 0)
    dubbed = lay_in(score, 0, take)
    assert dubbed.tracks[0].notes == tuple(sorted(old + (Note(500, 100, 60),), key=_key))
    replaced = lay_in(score, 0, take, take.replaced_range(2000, 0))
    assert replaced.tracks[0].notes == (Note(0, 240, 50), Note(500, 100, 60), Note(3000, 240, 53))


def test_replace_over_a_loop_clears_the_first_pass_only():
    take = Take(0, LoopRegion(0, 1920), TakeSettings("replace"))
    assert take.replaced_range(400, 2) == (0, 1920)
    assert take.replaced_range(400, 0) == (0, 400)


def test_an_empty_overdub_take_leaves_the_song_as_it_was():
    score = Score(tracks=(Track("Keys"),))
    assert lay_in(score, 0, Take(0, None, TakeSettings())) is score


def test_bad_settings_and_a_missing_track_say_so():
    with pytest.raises(ScoreError, match="overdub or replace"):
        TakeSettings("merge")
    with pytest.raises(ScoreError, match="quantize grid"):
        TakeSettings(quantize_ticks=-1)
    with pytest.raises(ScoreError, match="no track 3"):
        lay_in(Score(tracks=(Track("Keys"),)), 2, Take(0, None, TakeSettings()))


def _key(n):
    return (n.start_tick, n.length_ticks, n.pitch, n.velocity)


@given(
    st.lists(
        st.tuples(st.integers(0, 127), st.integers(0, 5000), st.integers(1, 2000)), max_size=30
    ),
    st.sampled_from([0, 60, 120, 480]),
)
def test_every_key_played_and_released_becomes_one_note_on_the_grid(played, grid):
    take = Take(0, None, TakeSettings(quantize_ticks=grid))
    messages = []
    for key, start, length in played:
        messages += [(start, 1, on(key)), (start + length, 0, off(key))]
    for tick, _, data in sorted(messages):  # note-offs first at one tick
        take.add(data, tick, 0)
    take.finish(10_000, 0)
    assert take.held == 0
    assert all(n.length_ticks >= 1 for n in take.notes)
    if grid:
        assert all(n.start_tick % grid == 0 for n in take.notes)
    # as many notes as note-ons (a key struck again while held ends its last note)
    assert len(take.notes) == len(played)
