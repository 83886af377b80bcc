"""Packed notes: a track's pickle loads back only when every packed value is valid."""

import pickle

import numpy as np
import pytest

from engine.core import score
from engine.core.errors import ScoreError
from engine.core.score import MAX_TICK, Note, Track

TRACK = Track(
    name="Lead",
    channel=3,
    program=5,
    notes=[Note(0, 10, 60, 90), Note(0, 10, 64), Note(480, 240, 67, 1)],
)


def packed_rows(track=TRACK) -> np.ndarray:
    """The track's reduction arguments, with its packed notes as an editable int32 array."""
    function, (settings, data) = track.__reduce__()
    assert function is score.track_from_packed
    return np.frombuffer(data, dtype="<i4").reshape(-1, 4).copy()


def load(rows: np.ndarray, track=TRACK) -> Track:
    settings = track.__reduce__()[1][0]
    return score.track_from_packed(settings, rows.astype("<i4").tobytes())


def test_packed_rows_are_the_notes_in_track_order():
    assert packed_rows().tolist() == [[0, 10, 60, 90], [0, 10, 64, 100], [480, 240, 67, 1]]
    assert load(packed_rows()) == TRACK


@pytest.mark.parametrize(
    "row, column, value, message",
    [
        (0, 0, -5, "note start tick must be from 0 to 2147483647, not -5"),
        (1, 1, 0, "note length in ticks must be from 1 to 2147483647, not 0"),
        (2, 2, 200, "note pitch must be from 0 to 127, not 200"),
        (2, 3, 0, "note velocity must be from 1 to 127, not 0"),
        (0, 3, -1, "note velocity must be from 1 to 127, not -1"),
    ],
)
def test_a_value_out_of_range_is_refused(row, column, value, message):
    rows = packed_rows()
    rows[row, column] = value
    with pytest.raises(ScoreError, match=message):
        load(rows)


def test_a_note_ending_past_the_last_tick_is_refused():
    rows = packed_rows()
    rows[2, 0] = MAX_TICK - 100  # still sorted; start + length overflows MAX_TICK
    with pytest.raises(ScoreError, match="note end tick must be at most"):
        load(rows)


@pytest.mark.parametrize("swap", [(0, 2), (0, 1)])
def test_notes_out_of_track_order_are_refused(swap):
    rows = packed_rows()
    rows[list(swap)] = rows[list(reversed(swap))]
    with pytest.raises(ScoreError, match="out of order"):
        load(rows)


@pytest.mark.parametrize("data", [b"\x00" * 15, b"\x01" * 17, "text", None, bytearray(16)])
def test_bytes_of_the_wrong_shape_or_type_are_refused(data):
    with pytest.raises(ScoreError, match="malformed"):
        score.track_from_packed(TRACK.__reduce__()[1][0], data)


def test_a_corrupted_pickle_is_refused_with_a_score_error():
    data = pickle.dumps(TRACK)
    good = np.array([[480, 240, 67, 1]], dtype="<i4").tobytes()
    bad = np.array([[480, 240, 128, 1]], dtype="<i4").tobytes()
    assert data.count(good) == 1
    with pytest.raises(ScoreError, match="note pitch must be from 0 to 127, not 128"):
        pickle.loads(data.replace(good, bad))


def test_the_track_settings_are_still_validated():
    settings = list(TRACK.__reduce__()[1][0])
    settings[1] = 16  # channel
    with pytest.raises(ScoreError, match="track channel must be from 0 to 15, not 16"):
        score.track_from_packed(tuple(settings), packed_rows().tobytes())


@pytest.mark.parametrize("settings", [None, ["Lead"] * 9, ("Lead",), ("Lead",) * 30])
def test_settings_of_the_wrong_shape_are_refused(settings):
    with pytest.raises(ScoreError, match="settings of a packed track are malformed"):
        score.track_from_packed(settings, packed_rows().tobytes())


def test_equal_duplicates_and_an_empty_track_load_back():
    twice = Track(notes=[Note(5, 1, 60)] * 3)
    assert pickle.loads(pickle.dumps(twice)) == twice
    assert len(pickle.loads(pickle.dumps(twice)).notes) == 3
    empty = pickle.loads(pickle.dumps(Track(name="Empty")))
    assert empty == Track(name="Empty") and empty.notes == () and empty.end_tick == 0
    assert empty.notes_in_range(0, 100) == []


def test_loaded_notes_stay_frozen_and_hash_like_new_ones():
    loaded = pickle.loads(pickle.dumps(TRACK))
    with pytest.raises(AttributeError):
        loaded.notes[0].pitch = 3
    assert {loaded.notes[1]: 1}[Note(0, 10, 64)] == 1
    assert loaded.note_at(500, 67) == Note(480, 240, 67, 1)


def test_loading_leaves_the_garbage_collector_as_it_was():
    import gc

    assert gc.isenabled()
    pickle.loads(pickle.dumps(TRACK))
    assert gc.isenabled()
    gc.disable()
    try:
        pickle.loads(pickle.dumps(TRACK))
        assert not gc.isenabled()
    finally:
        gc.enable()
