"""Session ticks of a running transport, with tempo and loop changes on stamps (pure)."""

from __future__ import annotations

from engine.collab.transport import SessionTimeline
from engine.core.score import LoopRegion, Score
from engine.core.timing import TempoMap

PPQ = 480
BAR = 4 * PPQ


def _song(bpm: float = 120.0, bars: int = 2) -> Score:
    return Score(
        tempo_map=TempoMap.constant(bpm), loop=LoopRegion(0, bars * BAR), loop_enabled=True
    )


def test_a_tempo_change_starts_a_stretch_that_keeps_what_came_before():
    timeline = SessionTimeline(_song(), 0)
    changed = timeline.changed_at(BAR, _song(bpm=60.0))
    assert changed.us_of(BAR) == timeline.us_of(BAR) == 2_000_000
    assert changed.us_of(BAR // 2) == timeline.us_of(BAR // 2)
    # half the tempo: a beat after the change lasts a second
    assert changed.us_of(BAR + PPQ) == 3_000_000
    assert changed.session_tick_at(3_000_000) == BAR + PPQ
    # passes go on: the loop wraps after its second bar as before
    assert changed.position(2 * BAR) == (1, 0)
    assert changed.session_tick(1, 0) == 2 * BAR


def test_a_loop_shortened_behind_the_playhead_wraps_at_the_change():
    timeline = SessionTimeline(_song(bars=2), 0)
    u = BAR + PPQ  # in the second bar, past the new one-bar loop
    changed = timeline.changed_at(u, _song(bars=1))
    assert changed.position(u) == (1, 0)
    assert changed.position(u + BAR) == (2, 0)
    assert changed.session_tick(2, PPQ) == u + BAR + PPQ
    assert changed.step_after(changed.us_of(u) + 1, PPQ // 4) == u + PPQ // 4
    # the engine is told the place as it knows it now, and wraps there itself
    assert changed.take_over_place(u) == (0, u)
    assert changed.take_over_place(u + PPQ) == (1, PPQ)


def test_a_peer_joining_later_places_itself_from_the_anchor():
    timeline = SessionTimeline(_song(), 0).changed_at(BAR, _song(bpm=60.0))
    anchor = timeline.anchor(BAR)
    joined = SessionTimeline.from_anchor(_song(bpm=60.0), *anchor.values())
    for u in (BAR, BAR + 7, 3 * BAR + 100):
        assert joined.position(u) == timeline.position(u)
        assert joined.us_of(u) == timeline.us_of(u)
