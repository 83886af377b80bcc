"""The score model: validation messages and fast range queries (checked against brute force)."""

import pickle

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.errors import ScoreError
from engine.core.score import LoopRegion, Note, Score, Track
from tests.engine import strategies
from tests.hypothesis_profiles import examples


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(start_tick=-1, length_ticks=1, pitch=60),
            "note start tick must be from 0 to 2147483647, not -1",
        ),
        (
            dict(start_tick=0, length_ticks=0, pitch=60),
            "note length in ticks must be from 1 to 2147483647, not 0",
        ),
        (
            dict(start_tick=0, length_ticks=1, pitch=300),
            "note pitch must be from 0 to 127, not 300",
        ),
        (
            dict(start_tick=0, length_ticks=1, pitch=60, velocity=0),
            "note velocity must be from 1 to 127, not 0",
        ),
        (
            dict(start_tick=0.5, length_ticks=1, pitch=60),
            "note start tick must be a whole number, not 0.5",
        ),
    ],
)
def test_note_validation_names_field_and_value(kwargs, message):
    with pytest.raises(ScoreError) as err:
        Note(**kwargs)
    assert str(err.value) == message


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(channel=16), "track channel must be from 0 to 15, not 16"),
        (dict(program=128), "track program must be from 0 to 127, not 128"),
        (dict(pan=-1), "track pan must be from 0 to 127, not -1"),
        (dict(name=5), "track name must be text, not 5"),
        (dict(mute="yes"), "track mute must be true or false"),
    ],
)
def test_track_validation_names_field_and_value(kwargs, message):
    with pytest.raises(ScoreError) as err:
        Track(**kwargs)
    assert str(err.value) == message


def test_score_and_loop_validation():
    with pytest.raises(ScoreError, match="PPQ must be from 24 to 32767, not 7"):
        Score(ppq=7)
    with pytest.raises(ScoreError, match="loop end"):
        LoopRegion(100, 100)
    with pytest.raises(ScoreError, match="no loop region"):
        Score(loop_enabled=True)


def test_track_sorts_notes_and_values_are_frozen():
    t = Track(notes=[Note(10, 1, 60), Note(0, 1, 60)])
    assert t.notes == (Note(0, 1, 60), Note(10, 1, 60))
    with pytest.raises(AttributeError):
        t.notes[0].pitch = 3


notes_st = st.lists(
    st.builds(
        Note, st.integers(0, 3000), st.integers(1, 800), st.integers(0, 127), st.integers(1, 127)
    ),
    max_size=80,
)


@given(notes_st, st.integers(0, 4000), st.integers(1, 1000))
def test_range_queries_match_brute_force(notes, start, width):
    track = Track(notes=tuple(notes))
    end = start + width
    expected = sorted(n for n in notes if n.start_tick < end and n.end_tick > start)
    assert track.notes_in_range(start, end) == expected
    starting = sorted(n for n in notes if start <= n.start_tick < end)
    assert list(track.notes_starting_in(start, end)) == starting


@given(notes_st, st.integers(0, 4000), st.integers(0, 127))
def test_note_at_matches_brute_force(notes, tick, pitch):
    track = Track(notes=tuple(notes))
    hits = sorted(n for n in notes if n.pitch == pitch and n.start_tick <= tick < n.end_tick)
    assert track.note_at(tick, pitch) == (hits[-1] if hits else None)


def test_mute_and_solo():
    s = Score(tracks=(Track(mute=True), Track(), Track(solo=True, mute=True)))
    assert s.audible_tracks() == [2]
    s = Score(tracks=(Track(mute=True), Track()))
    assert s.audible_tracks() == [1]


def test_maps_reject_foreign_items_with_a_score_error():
    from engine.core.timing import TimeSignatureMap

    with pytest.raises(ScoreError, match="time signatures only"):
        TimeSignatureMap(("4/4",))
    with pytest.raises(ScoreError, match="notes only"):
        Track(notes=("C4",))


@given(notes_st)
def test_notes_are_kept_in_note_order(notes):
    assert list(Track(notes=tuple(notes)).notes) == sorted(notes)


@settings(max_examples=examples(60), deadline=None)
@given(strategies.scores(), st.integers(2, pickle.HIGHEST_PROTOCOL))
def test_a_score_pickles_to_an_equal_score(score, protocol):
    copy = pickle.loads(pickle.dumps(score, protocol=protocol))
    assert copy == score and hash(copy.tracks) == hash(score.tracks)
    for mine, theirs in zip(copy.tracks, score.tracks):
        assert all(type(n) is Note and type(n.pitch) is int for n in mine.notes)
        assert mine.notes == theirs.notes and mine._starts == theirs._starts
        assert mine._max_length == theirs._max_length
        end = mine.end_tick + 1
        assert mine.notes_in_range(0, end) == theirs.notes_in_range(0, end)


def test_a_pickled_track_is_packed_not_note_by_note():
    track = Track(notes=[Note(i, 10, 60) for i in range(1000)])
    # 16 bytes a note plus the track's settings; object by object it was ~26 a note.
    assert len(pickle.dumps(track)) < 16 * 1000 + 200
