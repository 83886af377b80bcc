"""Edits of a controller lane (pure)."""

from __future__ import annotations

import pytest

from engine.core import controller_edits as ce
from engine.core.controllers import ControlEvent
from engine.core.errors import ScoreError
from engine.core.score import Score, Track

MOD, SUSTAIN = 1, 64


def _score(*events):
    return Score(tracks=(Track("Keys", controllers=events),))


def test_drawing_replaces_the_lane_over_the_stretch_drawn_and_keeps_other_lanes():
    pedal = ControlEvent(100, "control", SUSTAIN, 127)
    score = _score(
        ControlEvent(0, "control", MOD, 10), pedal, ControlEvent(500, "control", MOD, 20)
    )
    drawn = ce.draw(score, 0, "control", MOD, {240: 64, 480: 200, 120: -5})
    assert ce.lane_events(drawn, 0, "control", MOD) == [
        ControlEvent(0, "control", MOD, 10),
        ControlEvent(120, "control", MOD, 0),
        ControlEvent(240, "control", MOD, 64),
        ControlEvent(480, "control", MOD, 127),
        ControlEvent(500, "control", MOD, 20),
    ]
    assert pedal in drawn.tracks[0].controllers
    assert ce.draw(score, 0, "control", MOD, {}) is score


def test_the_pitch_wheel_lane_holds_bends_in_their_range():
    drawn = ce.draw(_score(), 0, "pitch_bend", 0, {0: -9000, 240: 100})
    assert [(e.tick, e.value) for e in drawn.tracks[0].controllers] == [(0, -8192), (240, 100)]


def test_a_point_moves_and_is_erased_on_its_own():
    a, b = ControlEvent(0, "control", MOD, 10), ControlEvent(480, "control", MOD, 90)
    score = _score(a, b)
    moved = ce.move(score, 0, b, 960, 300)
    assert moved.tracks[0].controllers == (a, ControlEvent(960, "control", MOD, 127))
    assert ce.erase(moved, 0, [a]).tracks[0].controllers == (
        ControlEvent(960, "control", MOD, 127),
    )
    with pytest.raises(ScoreError, match="no controller event"):
        ce.erase(score, 0, [ControlEvent(5, "control", MOD, 1)])
    with pytest.raises(ScoreError, match="no track 2"):
        ce.lane_events(score, 1, "control", MOD)


def test_values_are_described_as_a_musician_reads_them():
    from engine.core.controllers import describe_value

    assert describe_value("control", 64, 127) == "127 (down)"
    assert describe_value("control", 64, 63) == "63 (up)"
    assert describe_value("control", 10, 64) == "64 (centre)"
    assert describe_value("control", 10, 0) == "0 (left 64)"
    assert describe_value("control", 10, 127) == "127 (right 63)"
    assert describe_value("control", 1, 42) == "42"
    assert describe_value("pitch_bend", 0, 0) == "0 (centre)"
    assert describe_value("pitch_bend", 0, 4096) == "+4096 (+1.00 semitones)"
    assert describe_value("pitch_bend", 0, -8192) == "-8192 (-2.00 semitones)"
