"""The engine process: the priority it asks for and gets, and what it reports."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from engine.realtime.priority import current_scheduling, realtime_allowed

NOBODY = 65534
_ASK = (
    "import json, sys\n"
    "from engine.realtime.priority import request_realtime, current_scheduling\n"
    "got = request_realtime(70, fallback_nice=int(sys.argv[1]))\n"
    "now = current_scheduling()\n"
    "print(json.dumps([str(got), got.detail, str(now)]))\n"
)


def _ask_as_nobody(fallback_nice: int) -> list[str]:
    """Ask for SCHED_FIFO 70, falling back to ``fallback_nice``, in a child that is an
    ordinary user: uid nobody, with no rtprio and no nice allowance (limits 0).

    Dropping root's uid drops CAP_SYS_NICE, so the kernel checks the limits exactly as it
    does for a desktop user -- the refusal is real, not simulated.  (This container may
    not raise RLIMIT_NICE, so the granted fallback is shown with a nice value above 0,
    which any user may take; a negative one is then refused, as it is here for nobody.)
    """

    def become_ordinary_user():
        resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0))
        resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
        os.setgid(NOBODY)
        os.setgroups([])
        os.setuid(NOBODY)

    res = subprocess.run(
        [sys.executable, "-c", _ASK, str(fallback_nice)],
        capture_output=True,
        text=True,
        preexec_fn=become_ordinary_user,
        cwd="/",
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_refused_realtime_falls_back_to_nice_and_says_so():
    got, detail, now = _ask_as_nobody(fallback_nice=5)
    assert got == "nice 5" == now
    assert "SCHED_FIFO 70 was refused" in detail and "rtprio" in detail


@pytest.mark.skipif(os.geteuid() != 0, reason="needs root to become another user")
def test_refused_realtime_and_nice_runs_normal_and_says_so():
    got, detail, now = _ask_as_nobody(fallback_nice=-10)
    assert got == "normal" == now
    assert "refused" in detail and "nice -10 too" in detail


def test_realtime_allowed_is_asked_of_a_child_and_leaves_us_alone():
    before = current_scheduling()
    allowed, why = realtime_allowed(70)
    assert current_scheduling() == before
    if os.geteuid() == 0:
        assert allowed and "granted" in why


def test_the_engine_runs_with_the_priority_it_reports(jack_server):
    """`chrt -p` and os.sched_getscheduler agree with the ready event, for the main thread
    and for every thread that must not be preempted by the GUI (the scheduler thread)."""
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    client = EngineClient(AudioSettings(driver="jack"), priority=60)
    client.start()
    try:
        ready = client.wait_ready(30)
        pid = ready.pid
        chrt = subprocess.run(
            ["chrt", "-p", str(pid)], capture_output=True, text=True, check=True
        ).stdout
        seen = current_scheduling(pid)
        assert str(seen) == ready.scheduling
        if ready.scheduling.startswith("SCHED_FIFO"):
            assert os.sched_getscheduler(pid) == os.SCHED_FIFO
            assert "SCHED_FIFO" in chrt and "priority: 60" in chrt
            assert ready.scheduling == "SCHED_FIFO 60"
        else:
            assert "SCHED_OTHER" in chrt
        threads = {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            name = (task / "comm").read_text().strip()
            threads[name] = current_scheduling(int(task.name))
        assert str(threads["pianola-sched"]) == ready.scheduling
        # Every Python thread of the engine shares the GIL, so they share one priority
        # (a lower one holding the GIL would hold the scheduler up).
        assert str(threads["pianola-events"]) == ready.scheduling
    finally:
        client.close()


def test_realtime_off_runs_at_the_fallback_nice(jack_server):
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    client = EngineClient(AudioSettings(driver="jack"), realtime=False)
    client.start()
    try:
        ready = client.wait_ready(30)
        assert ready.scheduling == "nice -10"
        assert "not asked" in ready.scheduling_detail
        assert (
            "SCHED_OTHER"
            in subprocess.run(["chrt", "-p", str(ready.pid)], capture_output=True, text=True).stdout
        )
        assert os.getpriority(os.PRIO_PROCESS, ready.pid) == -10
    finally:
        client.close()


def test_beat_follower_reports_each_beat_once_as_tick_to_bar_beat_finds_it():
    """The scheduler thread looks the beat up only when the tick leaves the last one: it
    must still report exactly the beats a lookup at every tick gives, across a mid-beat
    signature change, a jump back (loop) and a new score."""
    from engine.core.score import Score
    from engine.core.timing import TimeSignature, TimeSignatureMap
    from engine.realtime.beat_follower import BeatFollower

    sigs = TimeSignatureMap(
        (
            TimeSignature(0, 4, 4),
            TimeSignature(3 * 1920 + 100, 7, 8),
            TimeSignature(3 * 1920 + 100 + 2 * 1680, 3, 4),
        )
    )
    score = Score(time_signatures=sigs)
    ticks = list(range(0, 9000, 37)) + list(range(1000, 4000, 5))
    expected, last = [], None  # what a lookup at every tick reports
    for tick in ticks:
        found = sigs.tick_to_bar_beat(tick, score.ppq)
        if (found.bar, found.beat) != last:
            last = (found.bar, found.beat)
            expected.append((found.bar, found.beat, tick - found.tick_in_beat))
    follower = BeatFollower()
    reported = [b for b in map(lambda t: follower.new_beat(score, t), ticks) if b is not None]
    assert reported == expected and len(expected) > 30
    # a new score with the same beat is not a new beat; stopping forgets the beat
    assert follower.new_beat(Score(time_signatures=sigs), ticks[-1]) is None
    follower.forget()
    assert follower.new_beat(score, ticks[-1]) == expected[-1]
