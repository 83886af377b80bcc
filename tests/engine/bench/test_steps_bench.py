"""`pianola bench steps`: its two cases play the same notes, offline through the real synth."""

from __future__ import annotations

from engine.bench import steps
from engine.bench.cpu import default_soundfont


def test_the_pattern_and_piano_roll_cases_play_the_same_notes():
    score, pattern_id = steps.pattern_song(180)
    roll = steps.roll_song(score, pattern_id)
    pattern = score.pattern(pattern_id)
    assert len(pattern.lanes) == 16 and pattern.length_steps == 64
    assert all(
        s.on and s.probability < 100 and s.ratchet > 1 for lane in pattern.lanes for s in lane.steps
    )
    (us_pattern, notes_pattern), (us_roll, notes_roll) = steps.time_offline(
        default_soundfont(), [(score, pattern_id), (roll, None)], 2.0
    )
    assert notes_pattern == notes_roll > 400  # ~310 notes/s, the same in both cases
    assert us_pattern > 0 and us_roll > 0
