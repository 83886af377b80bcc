"""Euclidean rhythms against Toussaint's table, the lane generators and step strings."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from engine.core.errors import ScoreError
from engine.core.generators import (
    apply_hits,
    euclid,
    fill_every,
    hits_string,
    humanize,
    parse_lane_spec,
    parse_step_string,
    randomize,
    reverse,
    shift,
)
from engine.core.pattern import Step

# Toussaint, "The Euclidean Algorithm Generates Traditional Musical Rhythms" (2005).
TOUSSAINT = {
    (2, 3): "x.x",
    (2, 5): "x.x..",
    (3, 4): "x.xx",
    (3, 5): "x.x.x",
    (3, 7): "x.x.x..",
    (3, 8): "x..x..x.",  # tresillo
    (4, 7): "x.x.x.x",
    (4, 9): "x.x.x.x..",  # aksak
    (4, 11): "x..x..x..x.",
    (5, 6): "x.xxxx",
    (5, 7): "x.xx.xx",
    (5, 8): "x.xx.xx.",  # cinquillo
    (5, 9): "x.x.x.x.x",
    (5, 11): "x.x.x.x.x..",
    (5, 12): "x..x.x..x.x.",
    (5, 16): "x..x..x..x..x...",  # bossa nova
    (7, 8): "x.xxxxxx",
    (7, 12): "x.xx.x.xx.x.",
    (7, 16): "x..x.x.x..x.x.x.",  # samba
    (9, 16): "x.xx.x.x.xx.x.x.",
    (11, 24): "x..x.x.x.x.x..x.x.x.x.x.",
    (13, 24): "x.xx.x.x.x.x.xx.x.x.x.x.",
}


def as_string(hits):
    return "".join("x" if h else "." for h in hits)


@pytest.mark.parametrize("kn, expected", sorted(TOUSSAINT.items()))
def test_euclid_matches_toussaint(kn, expected):
    assert as_string(euclid(*kn)) == expected


@given(
    st.integers(1, 64).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(-70, 70),
)
def test_euclid_spreads_k_onsets_evenly_and_rotates_right(kn, rotation):
    k, n = kn
    base = euclid(k, n)
    assert sum(base) == k and len(base) == n
    if k:
        assert base[0]  # step 0 is an onset
        onsets = [i for i, h in enumerate(base) if h]
        gaps = [(b - a) for a, b in zip(onsets, onsets[1:] + [onsets[0] + n])]
        assert max(gaps) - min(gaps) <= 1  # as even as can be
    rotated = euclid(k, n, rotation)
    assert all(rotated[(i + rotation) % n] == base[i] for i in range(n))


def test_rotation_shifts_right():
    assert as_string(euclid(3, 8, 1)) == ".x..x..x"
    assert as_string(euclid(3, 8, -1)) == "..x..x.x"
    with pytest.raises(ScoreError, match="onset count"):
        euclid(9, 8)


def test_fill_shift_reverse():
    assert as_string(fill_every(8, 2)) == "x.x.x.x."
    assert as_string(fill_every(8, 4, 1)) == ".x...x.."
    assert as_string(fill_every(16, 8)) == "x.......x......."
    steps = parse_step_string("xX..x...")
    assert hits_string(shift(steps, 1)) == ".xX..x.."
    assert hits_string(shift(steps, -1)) == "X..x...x"
    assert hits_string(reverse(steps)) == "...x..Xx"


def test_generators_keep_the_other_fields_of_steps():
    steps = (Step(on=False, velocity=40, probability=50),) + (Step(),) * 7
    hits = apply_hits(steps, euclid(3, 8))
    assert hits[0] == Step(on=True, velocity=40, probability=50)
    assert hits_string(hits) == "x..x..x."
    assert len(apply_hits((), euclid(5, 16))) == 16


def test_randomize_and_humanize_are_reproducible():
    steps = (Step(),) * 64
    a = randomize(steps, 25, 3)
    assert a == randomize(steps, 25, 3) != randomize(steps, 25, 4)
    assert 8 <= sum(s.on for s in a) <= 24
    assert not any(s.on for s in randomize(steps, 0, 1))
    assert all(s.on for s in randomize(steps, 100, 1))
    on = (Step(on=True, velocity=100),) * 64
    h = humanize(on, 20, 10, 5)
    assert h == humanize(on, 20, 10, 5)
    assert all(-20 <= s.offset_pct <= 20 and 90 <= s.velocity <= 110 for s in h)
    assert len({s.offset_pct for s in h}) > 5
    assert humanize((Step(),), 20, 10, 5) == (Step(),)  # rests stay untouched


def test_step_strings_and_lane_specs():
    steps = parse_lane_spec("x.X.")
    assert [(s.on, s.velocity) for s in steps] == [
        (True, 100),
        (False, 100),
        (True, 127),
        (False, 100),
    ]
    assert hits_string(parse_lane_spec("E(3,8)")) == "x..x..x."
    assert hits_string(parse_lane_spec("e(3, 8, 2)")) == "x.x..x.."


@pytest.mark.parametrize(
    "text, words",
    [
        ("x..o", "step 4 of 'x..o' is 'o'"),
        ("", "1 to 64 steps"),
        ("x" * 65, "1 to 64 steps"),
        ("E(9,8)", "onset count k must be from 0 to n \\(8\\), not 9"),
        ("E(3,0)", "step count n must be from 1 to 64, not 0"),
        ("E(3,8", "not a Euclidean rhythm"),
        ("E(a,8)", "not a Euclidean rhythm"),
        ("E(1,2,3,4)", "not a Euclidean rhythm"),
    ],
)
def test_malformed_patterns_get_one_sentence(text, words):
    with pytest.raises(ScoreError, match=words):
        parse_lane_spec(text)


def test_drum_names():
    from engine.core.gm_drums import DRUM_SHORT_NAMES, GM_DRUM_NAMES, drum_key

    assert drum_key("kick") == 36 and drum_key("closed-hat") == 42 and drum_key("low-tom") == 45
    assert drum_key("Open Hi-Hat") == 46 and drum_key("42") == 42
    assert sorted(DRUM_SHORT_NAMES.values()) == sorted(GM_DRUM_NAMES)
    with pytest.raises(ValueError, match="not a drum sound"):
        drum_key("cowbel")
    with pytest.raises(ValueError, match="0 to 127"):
        drum_key("200")
