"""Re-timing onto a sync source's beats when the music is late, against the recording fake
backend of the scheduler's tests (pure)."""

from __future__ import annotations

from dataclasses import replace

import pytest

from engine.core.score import Note, Score, Track
from engine.core.timing import TempoMap
from engine.realtime.scheduler import Scheduler
from tests.engine.realtime.test_scheduler import LOOKAHEAD, PPQ, FakeBackend

SIXTEENTH = PPQ // 4  # 6000 frames at 120 BPM; a tick is 50 frames


def sixteenths() -> Score:
    notes = tuple(Note(i * SIXTEENTH, SIXTEENTH // 2, 40 + i, 100) for i in range(32))
    return Score(tracks=(Track("t", notes=notes),), tempo_map=TempoMap.constant(120.0), ppq=PPQ)


def late_by(frames: int, late_frames: int | None) -> list[tuple[int, int]]:
    """Play from frame 1440, re-time at frame 29760 (everything up to it applied) with the
    music ``frames`` late; the (frame, key) of every note-on applied from then on."""
    backend = FakeBackend()
    scheduler = Scheduler(backend, lookahead_frames=LOOKAHEAD)
    scheduler.load_score(sixteenths())
    assert scheduler.play(0) == 1440
    for _ in range(62):
        backend.advance(480)
        scheduler.service()
    moved = scheduler.retime(sixteenths(), lambda old: old - frames, late_frames)
    assert moved is not None and moved[2] == 567  # the first tick after the horizon (at 29790)
    for _ in range(60):
        backend.advance(480)
        scheduler.service()
    return [(f, k) for f, k in backend.ons() if f > 29760]


def test_late_music_is_on_the_beat_again_at_once_and_a_note_just_passed_sounds_late():
    ons = late_by(2000, late_frames=LOOKAHEAD)
    # tick 600 (key 45) is due at 29440 now: 320 frames late, it sounds at once
    assert ons[:3] == [(29761, 45), (35440, 46), (41440, 47)]


def test_notes_later_than_the_limit_are_skipped_as_the_session_passed_them():
    ons = late_by(9500, late_frames=LOOKAHEAD)
    assert ons[:2] == [(33940, 47), (39940, 48)]  # ticks 600 and 720 are skipped


@pytest.mark.parametrize("frames", [2000, 9500])
def test_without_a_limit_the_music_resumes_right_after_what_was_applied(frames):
    ons = late_by(frames, late_frames=None)
    assert ons[:2] == [(31411, 45), (37411, 46)]  # every note kept, all of them late


def test_a_count_in_re_timed_by_a_sync_source_clicks_on_where_the_music_now_starts():
    """A sync source's re-timing withdraws everything pending, the count-in's clicks
    too: those not yet struck are sent again before the music's moved first tick, at the
    new tempo, and the one sounding at the withdrawal still ends."""
    from engine.core import metronome
    from engine.realtime.channel_events import METRONOME_CHANNEL

    backend = FakeBackend()
    scheduler = Scheduler(backend, lookahead_frames=LOOKAHEAD)
    scheduler.load_score(sixteenths())
    # a 4/4 bar of clicks at 120 BPM (a beat is 24000 frames) before the start at 1440+96000
    start = scheduler.play(0, at_frame=97440, count_in=(1, 100))
    assert start == 97440 and scheduler.music_from_frame == start
    backend.advance(1440 + 24000 + 300)  # the second click struck, its note-off pending
    faster = replace(sixteenths(), tempo_map=TempoMap.constant(150.0))  # a beat: 19200
    moved = scheduler.retime(faster, lambda old: old + 1000, late_frames=LOOKAHEAD)
    assert moved is not None and moved[1] == start + 1000 and moved[2] == 0
    assert scheduler.music_from_frame == start + 1000
    for _ in range(300):
        backend.advance(480)
        scheduler.service()
    clicks = backend.ons(METRONOME_CHANNEL)
    new_start = start + 1000
    # the first two as first sent, the last two before the new start at the new tempo
    assert clicks == [
        (1440, metronome.CLICK_KEY),
        (25440, metronome.CLICK_KEY),
        (new_start - 2 * 19200, metronome.CLICK_KEY),
        (new_start - 19200, metronome.CLICK_KEY),
    ]
    assert backend.ons()[len(clicks)] == (new_start, 40)  # the song's first note
    assert (METRONOME_CHANNEL, metronome.CLICK_KEY) not in backend.sounding
