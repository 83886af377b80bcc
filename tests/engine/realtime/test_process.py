"""The engine process: the priority it asks for and gets, and what it reports."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest

from engine.realtime.priority import current_scheduling, realtime_allowed

NOBODY = 65534
# Started under `nice -n 10` on a machine with other work, the engine runs its imports at
# that nice until it asks for its own priority: give it time rather than fail.
ENGINE_START_S = 120
_ASK = (
    "import json, sys\n"
    "from engine.realtime.priority import request_realtime, current_scheduling\n"
    "priority = None if sys.argv[1] == 'off' else int(sys.argv[1])\n"
    "got = request_realtime(priority, fallback_nice=int(sys.argv[2]))\n"
    "now = current_scheduling()\n"
    "print(json.dumps([str(got), got.detail, str(now)]))\n"
)
needs_root = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to set any nice value")


def _ask(started_nice: int, fallback_nice: int, priority="70", ordinary=True) -> list[str]:
    """Ask for SCHED_FIFO ``priority`` ("off": none), falling back to ``fallback_nice``, in
    a child started at ``started_nice`` whatever nice this test runs at (``nice -n 10
    pytest``) -- as ``pianola`` started under ``nice`` would be.

    ``ordinary``: the child is an ordinary user: uid nobody, with no rtprio and no nice
    allowance (limits 0).  Dropping root's uid drops CAP_SYS_NICE, so the kernel checks
    the limits exactly as it does for a desktop user -- the refusal is real, not
    simulated.  (This container may not raise RLIMIT_NICE, so such a user may only keep
    or weaken its nice here, never strengthen it.)
    """

    def start_child():
        os.setpriority(os.PRIO_PROCESS, 0, started_nice)  # still root: any value
        if ordinary:
            resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0))
            resource.setrlimit(resource.RLIMIT_NICE, (0, 0))
            os.setgid(NOBODY)
            os.setgroups([])
            os.setuid(NOBODY)

    res = subprocess.run(
        [sys.executable, "-c", _ASK, priority, str(fallback_nice)],
        capture_output=True,
        text=True,
        preexec_fn=start_child,
        cwd="/",
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout)


@needs_root
@pytest.mark.parametrize("started_nice", [0, 10])
def test_refused_realtime_and_nice_says_so_and_reports_the_nice_in_force(started_nice):
    got, detail, now = _ask(started_nice, fallback_nice=-10)
    assert got == now == ("normal" if started_nice == 0 else f"nice {started_nice}")
    assert "SCHED_FIFO 70 was refused" in detail and "nice -10 too" in detail
    assert "rtprio" in detail  # how to fix it
    assert ("as started" in detail) == (started_nice != 0)


@needs_root
def test_a_fallback_weaker_than_the_started_nice_keeps_the_stronger_one():
    got, detail, now = _ask(started_nice=3, fallback_nice=5)
    assert got == now == "nice 3"
    assert "SCHED_FIFO 70 was refused" in detail
    assert "running at nice 3, as started (stronger than nice 5)" in detail


@needs_root
@pytest.mark.parametrize("started_nice", [10, 0, -5])
def test_the_fallback_nice_does_not_depend_on_the_nice_started_with(started_nice):
    """Where the system allows it (here root), realtime off gives nice -10 from any
    weaker start: `nice -n 10 pianola` does not make the engine weaker."""
    got, detail, now = _ask(started_nice, fallback_nice=-10, priority="off", ordinary=False)
    assert got == now == "nice -10"
    assert detail == "realtime was not asked for; running at nice -10 instead"


@needs_root
@pytest.mark.parametrize("started_nice", [10, -15])
def test_granted_realtime_brings_the_nice_that_helper_threads_take(started_nice):
    """A thread a library starts with an explicit ordinary policy (libjack's helpers)
    takes the nice, not SCHED_FIFO: the engine asks for the fallback nice too."""
    code = (
        "import json, os, threading\n"
        "from engine.realtime.priority import request_realtime, current_scheduling\n"
        "got = request_realtime(70, fallback_nice=-10)\n"
        "seen = []\n"
        "def helper():\n"
        "    os.sched_setscheduler(0, os.SCHED_OTHER, os.sched_param(0))  # as explicit\n"
        "    seen.append(str(current_scheduling()))\n"
        "t = threading.Thread(target=helper); t.start(); t.join()\n"
        "print(json.dumps([str(got), got.nice, seen[0]]))\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        preexec_fn=lambda: os.setpriority(os.PRIO_PROCESS, 0, started_nice),
        cwd="/",
        env=dict(os.environ, PYTHONPATH=os.getcwd()),
        timeout=60,
    )
    assert res.returncode == 0, res.stderr
    kept = min(started_nice, -10)
    assert json.loads(res.stdout) == ["SCHED_FIFO 70", kept, f"nice {kept}"]


@needs_root
def test_a_start_stronger_than_the_fallback_nice_is_kept():
    got, _, now = _ask(-15, fallback_nice=-10, priority="off", ordinary=False)
    assert got == now == "nice -15"


def test_realtime_allowed_is_asked_of_a_child_and_leaves_us_alone():
    before = current_scheduling()
    allowed, why = realtime_allowed(70)
    assert current_scheduling() == before
    if os.geteuid() == 0:
        assert allowed and "granted" in why


def _named_threads(pid: int, names: set[str], timeout_s: float = 60.0) -> dict:
    """The scheduling of each of ``pid``'s threads, once all of ``names`` are there: the
    engine says it is ready before it starts its scheduler thread, which then names
    itself, so on a busy machine they may come a little later."""
    deadline = time.monotonic() + timeout_s
    while True:
        threads = {}
        for task in Path(f"/proc/{pid}/task").iterdir():
            try:
                name = (task / "comm").read_text().strip()
                threads[name] = current_scheduling(int(task.name))
            except (FileNotFoundError, ProcessLookupError):
                continue  # a thread that ended meanwhile
        if names <= threads.keys() or time.monotonic() > deadline:
            return threads
        time.sleep(0.05)


def test_the_engine_runs_with_the_priority_it_reports(jack_server):
    """`chrt -p` and os.sched_getscheduler agree with the ready event, for the main thread
    and for every thread that must not be preempted by the GUI (the scheduler thread)."""
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    client = EngineClient(AudioSettings(driver="jack"), priority=60)
    client.start()
    try:
        ready = client.wait_ready(ENGINE_START_S)
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
        threads = _named_threads(pid, {"pianola-sched", "pianola-events"})
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
        ready = client.wait_ready(ENGINE_START_S)
        # -10 from any weaker nice this test runs at; a stronger one is kept
        expected = min(-10, os.getpriority(os.PRIO_PROCESS, 0))
        assert ready.scheduling == f"nice {expected}"
        assert "not asked" in ready.scheduling_detail
        assert (
            "SCHED_OTHER"
            in subprocess.run(["chrt", "-p", str(ready.pid)], capture_output=True, text=True).stdout
        )
        assert os.getpriority(os.PRIO_PROCESS, ready.pid) == expected
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
