"""Pattern expansion against a naive step-by-step reference, and its rules one by one."""

from __future__ import annotations

import math
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from engine.core.note import Note
from engine.core.pattern import STEP_SIZES, Condition, Lane, Pattern, Placement, Step
from engine.core.pattern_expand import chance, pass_notes, placement_notes

conditions = st.one_of(
    st.sampled_from([Condition(k) for k in ("always", "first", "not_first", "fill", "not_fill")]),
    st.integers(1, 6).flatmap(
        lambda b: st.builds(Condition, st.just("ab"), st.integers(1, b), st.just(b))
    ),
)
steps = st.builds(
    Step,
    on=st.booleans(),
    velocity=st.integers(1, 127),
    length_steps=st.integers(1, 5),
    offset_pct=st.integers(-50, 50),
    probability=st.sampled_from([0, 1, 30, 50, 99, 100]),
    ratchet=st.integers(1, 8),
    condition=conditions,
)


@st.composite
def patterns(draw):
    length = draw(st.integers(1, 20))
    lanes = []
    for i in range(draw(st.integers(0, 4))):
        lane_length = draw(st.sampled_from([length, draw(st.integers(1, 20))]))
        lanes.append(
            Lane(
                f"lane{i}",
                draw(st.integers(0, 127)),
                tuple(draw(st.lists(steps, min_size=lane_length, max_size=lane_length))),
                mute=draw(st.booleans()) and draw(st.booleans()),
                solo=draw(st.booleans()) and draw(st.booleans()) and draw(st.booleans()),
            )
        )
    return Pattern(
        "pat",
        "P",
        length,
        draw(st.sampled_from(STEP_SIZES)),
        draw(st.integers(50, 75)),
        tuple(lanes),
    )


def reference_notes(pattern, passes, start_tick, ppq, seed, fill):
    """Walk the steps one by one, from the start, with counters (no divmod, no shared code)."""
    denominator = int(pattern.step_size[2:].rstrip("t"))
    step = Fraction(4 * ppq, denominator)
    if pattern.step_size.endswith("t"):
        step = step * 2 / 3
    swung = pattern.step_size in ("1/8", "1/16", "1/32")
    soloed = [lane for lane in pattern.lanes if lane.solo]
    lanes = soloed or [lane for lane in pattern.lanes if not lane.mute]
    out = []
    for lane in lanes:
        lane_step, lane_pass = 0, 0
        for p in range(passes):
            pass_start = start_tick
            for _pass in range(p):
                pass_start += math.floor(pattern.length_steps * step)
            pass_end = pass_start + math.floor(pattern.length_steps * step)
            for slot in range(pattern.length_steps):
                s = lane.steps[lane_step]
                this_step, this_pass = lane_step, lane_pass
                lane_step += 1
                if lane_step == len(lane.steps):
                    lane_step, lane_pass = 0, lane_pass + 1
                if not s.on:
                    continue
                c = s.condition
                plays = {
                    "always": True,
                    "first": this_pass == 0,
                    "not_first": this_pass > 0,
                    "ab": (this_pass - (c.a - 1)) % c.b == 0,
                    "fill": fill,
                    "not_fill": not fill,
                }[c.kind]
                if not plays:
                    continue
                if s.probability < 100 and not (
                    chance(seed, lane.id, this_step, this_pass) < Fraction(s.probability, 100)
                ):
                    continue
                t = Fraction(pass_start) + math.floor(slot * step)
                if swung and slot % 2 == 1:
                    t += math.floor(Fraction(pattern.swing - 50, 50) * step + Fraction(1, 2))
                t += math.floor(Fraction(s.offset_pct, 100) * step + Fraction(1, 2))
                end = min(t + math.floor(s.length_steps * step), pass_end)
                previous = None
                for j in range(s.ratchet):
                    on = t + math.floor(step * j / s.ratchet)
                    off = t + math.floor(step * (j + 1) / s.ratchet) if j + 1 < s.ratchet else end
                    on = max(pass_start, min(on, pass_end - 1))
                    if on == previous:
                        continue
                    previous = on
                    off = max(on + 1, min(off, pass_end))
                    out.append(Note(int(on), int(off - on), lane.key, s.velocity))
    return sorted(out)


@settings(max_examples=300, deadline=None)
@given(
    patterns(),
    st.integers(1, 7),
    st.integers(0, 5000),
    st.sampled_from([24, 96, 100, 480, 960]),
    st.integers(0, 2**32 - 1),
    st.booleans(),
)
def test_expansion_agrees_with_a_step_by_step_reference(pattern, passes, start, ppq, seed, fill):
    placement = Placement("a1", pattern.id, 0, start, passes)
    got = placement_notes(pattern, placement, ppq, seed, fill=fill)
    assert sorted(got) == reference_notes(pattern, passes, start, ppq, seed, fill)
    # and each pass on its own is the same as its slice of the whole
    pass_ticks = pattern.pass_ticks(ppq)
    for p in range(passes):
        one = pass_notes(pattern, p, start + p * pass_ticks, ppq, seed, fill=fill)
        assert all(
            start + p * pass_ticks <= n.start_tick < start + (p + 1) * pass_ticks for n in one
        )
        assert all(n.end_tick <= start + (p + 1) * pass_ticks for n in one)


def lane(steps, key=36, lane_id="k"):
    return Lane(lane_id, key, tuple(steps))


def on(**kw):
    return Step(on=True, **kw)


def test_sixteen_straight_sixteenths_land_on_the_grid():
    pattern = Pattern("p", "P", 16, "1/16", 50, (lane([on()] * 16),))
    notes = pass_notes(pattern, 0, 1920, 480, 0)
    assert [n.start_tick for n in notes] == [1920 + 120 * i for i in range(16)]
    assert all(n.length_ticks == 120 for n in notes)


def test_swing_delays_only_the_second_of_each_pair():
    for swing, delay in ((50, 0), (62, 29), (66, 38), (75, 60)):
        pattern = Pattern("p", "P", 8, "1/16", swing, (lane([on()] * 8),))
        starts = [n.start_tick for n in pass_notes(pattern, 0, 0, 480, 0)]
        assert starts == [120 * i + (delay if i % 2 else 0) for i in range(8)]
    # 1/8 swings eighth pairs; triplets play straight
    eighths = Pattern("p", "P", 4, "1/8", 66, (lane([on()] * 4),))
    assert [n.start_tick for n in pass_notes(eighths, 0, 0, 480, 0)] == [0, 240 + 77, 480, 720 + 77]
    triplets = Pattern("p", "P", 3, "1/8t", 66, (lane([on()] * 3),))
    assert [n.start_tick for n in pass_notes(triplets, 0, 0, 480, 0)] == [0, 160, 320]


def test_ratchet_offset_and_length():
    pattern = Pattern(
        "p",
        "P",
        4,
        "1/16",
        50,
        (lane([on(ratchet=3), on(offset_pct=-25), Step(), on(length_steps=4, offset_pct=50)]),),
    )
    notes = pass_notes(pattern, 0, 0, 480, 0)
    assert [(n.start_tick, n.length_ticks) for n in notes] == [
        (0, 40),
        (40, 40),
        (80, 40),
        (90, 120),
        (420, 60),  # the tie is cut at the pass end
    ]


def test_conditions_follow_the_pass():
    def plays(condition, pass_index, fill=False):
        pattern = Pattern("p", "P", 1, "1/16", 50, (lane([on(condition=condition)]),))
        return bool(pass_notes(pattern, pass_index, 0, 480, 0, fill=fill))

    assert [plays(Condition("ab", 1, 2), p) for p in range(4)] == [True, False, True, False]
    assert [plays(Condition("ab", 2, 4), p) for p in range(6)] == [
        False,
        True,
        False,
        False,
        False,
        True,
    ]
    assert [plays(Condition("first"), p) for p in range(3)] == [True, False, False]
    assert [plays(Condition("not_first"), p) for p in range(3)] == [False, True, True]
    assert plays(Condition("fill"), 0, True) and not plays(Condition("fill"), 0, False)
    assert plays(Condition("not_fill"), 0, False) and not plays(Condition("not_fill"), 0, True)
    assert Condition("ab", 3, 4).label() == "3:4" and Condition("not_fill").label() == "!Fill"


def test_polymeter_lane_runs_its_own_length():
    pattern = Pattern(
        "p",
        "P",
        4,
        "1/16",
        50,
        (
            lane([on(), Step(), Step()], key=36, lane_id="a"),
            lane([on()] + [Step()] * 3, key=38, lane_id="b"),
        ),
    )
    kicks = []
    for p in range(3):
        kicks += [n.start_tick for n in pass_notes(pattern, p, p * 480, 480, 0) if n.pitch == 36]
    # every third sixteenth, across the pass boundaries
    assert kicks == [0, 360, 720, 1080]


def test_probability_is_reproducible_and_near_its_rate():
    pattern = Pattern("p", "P", 64, "1/16", 50, (lane([on(probability=30)] * 64),))
    first = [pass_notes(pattern, p, 0, 480, 7) for p in range(50)]
    again = [pass_notes(pattern, p, 0, 480, 7) for p in range(50)]
    assert first == again
    played = sum(len(n) for n in first) / (50 * 64)
    assert 0.25 < played < 0.35
    other_seed = [pass_notes(pattern, p, 0, 480, 8) for p in range(50)]
    assert other_seed != first
    assert chance(1, "x", 2, 3) == chance(1, "x", 2, 3)
    assert 0 <= chance(1, "x", 2, 3) < 1


def test_mute_and_solo_of_lanes():
    a = lane([on()], key=36, lane_id="a")
    b = lane([on()], key=38, lane_id="b")
    from dataclasses import replace

    def keys(*lanes):
        pattern = Pattern("p", "P", 1, "1/16", 50, lanes)
        return [n.pitch for n in pass_notes(pattern, 0, 0, 480, 0)]

    assert sorted(keys(a, b)) == [36, 38]
    assert keys(replace(a, mute=True), b) == [38]
    assert keys(replace(a, mute=True, solo=True), b) == [36]
