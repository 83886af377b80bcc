"""EngineClient against the real engine process, real FluidSynth and the session's
private dummy JACK server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from engine.core.audio_settings import AudioSettings
from engine.core.errors import AudioDriverError, SoundFontError
from engine.core.protocol import events as evt
from engine.core.score import Note, Score, Track
from engine.realtime.client import EngineClient

PPQ = 480


def _score(notes=16, step=240, pitch=60) -> Score:
    return Score(
        tracks=(
            Track(
                name="Piano",
                notes=tuple(Note(i * step, step // 2, pitch + i % 12) for i in range(notes)),
            ),
        ),
        ppq=PPQ,
    )


def _wait_for(client, predicate, timeout_s=30.0):
    """Collect events until one satisfies ``predicate``; return all collected.  The
    timeout only bounds a failure: a busy machine may take its time."""
    seen, deadline = [], time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        seen.extend(client.poll_events())
        if any(predicate(e) for e in seen):
            return seen
        time.sleep(0.005)
    raise AssertionError(
        f"no matching event within {timeout_s} s; got {[type(e).__name__ for e in seen]}"
    )


@pytest.fixture
def engine(jack_server):
    client = EngineClient(AudioSettings(driver="jack"))
    client.start()
    client.wait_ready(30)
    yield client
    client.close()


def test_ready_reports_driver_rate_period_priority_and_soundfont(engine):
    ready = engine.ready
    assert ready.driver == "jack"
    assert (ready.sample_rate, ready.period_frames) == (48000, 256)
    assert ready.scheduling == ("SCHED_FIFO 70" if os.geteuid() == 0 else ready.scheduling)
    assert Path(ready.soundfont_path).is_file() and ready.soundfont_reason
    assert ready.preset_names and all(isinstance(n, str) for n in ready.preset_names.values())
    assert set(ready.versions) == {"pianola", "python", "fluidsynth"}
    assert ready.pid == engine.pid


def test_play_moves_the_counter_at_the_sample_rate_and_stop_is_reported(engine):
    engine.load_score(_score(notes=64))
    engine.play(0)
    _wait_for(engine, lambda e: isinstance(e, evt.TransportEvent) and e.playing)
    time.sleep(0.2)
    a = engine.read_position()
    time.sleep(1.0)
    b = engine.read_position()
    assert a.playing and b.playing and b.generation == a.generation
    # How close the rate is to 48 kHz against the wall clock is a timing figure
    # (`pianola bench timing`); here: the counter moves, and ticks follow its frames.
    assert b.frame > a.frame
    # 120 BPM at 480 PPQ: 960 ticks a second, derived from the frames (no drift).
    expected_ticks = (b.frame - a.frame) * PPQ * 1_000_000 // (a.us_per_quarter * 48000)
    assert abs((b.tick - a.tick) - expected_ticks) <= 2
    events = engine.poll_events()
    started = [e for e in events if isinstance(e, evt.NoteStartedEvent)]
    assert started and all(60 <= e.pitch < 72 for e in started)
    assert any(isinstance(e, evt.BeatEvent) for e in events)
    engine.stop()
    seen = _wait_for(engine, lambda e: isinstance(e, evt.StoppedEvent))
    assert any(isinstance(e, evt.TransportEvent) and not e.playing for e in seen)
    assert not engine.read_position().playing
    assert engine.read_position().generation > b.generation


def test_song_end_stops_by_itself(engine):
    engine.load_score(_score(notes=4, step=120))  # a quarter of a second
    engine.play(0)
    seen = _wait_for(engine, lambda e: isinstance(e, evt.StoppedEvent), timeout_s=5)
    assert any(isinstance(e, evt.TransportEvent) and e.playing for e in seen)


def test_loop_and_tempo_commands_reach_the_counter(engine):
    engine.load_score(_score(notes=64))
    engine.set_loop(True, 0, PPQ)  # half a second at 120 BPM
    engine.play(0)
    time.sleep(1.3)
    assert engine.read_position().loop_count >= 2
    assert engine.read_position().tick < PPQ
    engine.set_tempo(240)
    deadline = time.monotonic() + 2
    while engine.read_position().us_per_quarter != 250_000 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert engine.read_position().us_per_quarter == 250_000


def test_a_bad_command_is_reported_and_the_engine_goes_on(engine):
    engine.load_score(_score())
    engine.set_track_mix(5, volume=10)  # the song has one track
    seen = _wait_for(engine, lambda e: isinstance(e, evt.ErrorEvent))
    error = next(e for e in seen if isinstance(e, evt.ErrorEvent))
    assert not error.fatal and "track" in error.message
    engine.preview_on(0, 60, 100)
    engine.preview_off(0, 60)
    engine.play(0)
    _wait_for(engine, lambda e: isinstance(e, evt.TransportEvent) and e.playing)
    assert engine.is_alive()


def test_send_never_blocks_even_when_the_engine_does_not_read(engine):
    big = _score(notes=3000)  # each pickled copy is larger than a pipe's 64 KiB
    os.kill(engine.pid, signal.SIGSTOP)
    try:
        done = threading.Event()

        def send_many():
            for _ in range(10):
                engine.replace_score(big)
            done.set()

        threading.Thread(target=send_many, daemon=True).start()
        assert done.wait(5), "send() blocked on a full pipe"
    finally:
        os.kill(engine.pid, signal.SIGCONT)
    engine.play(0)
    _wait_for(engine, lambda e: isinstance(e, evt.TransportEvent) and e.playing, timeout_s=10)


def test_sigkill_is_reported_and_restart_resends_the_state(engine):
    engine.load_score(_score(notes=64, pitch=48))
    engine.set_loop(True, 0, 4 * PPQ)
    engine.play(0)
    _wait_for(engine, lambda e: isinstance(e, evt.TransportEvent) and e.playing)
    time.sleep(0.3)
    old_pid, before = engine.pid, engine.read_position()
    os.kill(old_pid, signal.SIGKILL)
    killed_at = time.monotonic()
    seen = _wait_for(engine, lambda e: isinstance(e, evt.EngineDiedEvent))
    latency_s = time.monotonic() - killed_at
    print(f"engine death noticed {latency_s * 1000:.1f} ms after SIGKILL")
    died = next(e for e in seen if isinstance(e, evt.EngineDiedEvent))
    assert died.exitcode == -signal.SIGKILL and "signal 9" in died.message
    assert not engine.is_alive()
    assert engine.poll_events() == []  # reported once

    ready = engine.restart()
    assert ready.pid != old_pid and engine.is_alive()
    # The new engine plays the same song, looping, from where the old one was.
    seen = _wait_for(engine, lambda e: isinstance(e, evt.NoteStartedEvent))
    assert all(48 <= e.pitch < 60 for e in seen if isinstance(e, evt.NoteStartedEvent))
    after = engine.read_position()
    assert after.playing and after.generation > before.generation
    deadline = time.monotonic() + 5
    while engine.read_position().loop_count < 1 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert engine.read_position().loop_count >= 1  # the loop region came back too


def test_close_ends_the_engine_and_frees_the_shared_memory(jack_server):
    client = EngineClient(AudioSettings(driver="jack"))
    client.start()
    client.wait_ready(30)
    pid, shm = client.pid, Path("/dev/shm", client._position.name.lstrip("/"))
    assert shm.exists()
    client.close()
    assert (
        not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().split()[2]
    )
    assert not shm.exists()


@pytest.mark.parametrize(
    "settings, error, words",
    [
        (dict(driver="pipewire"), AudioDriverError, "no pipewire driver"),
        (
            dict(driver="jack", soundfont="/nonexistent/piano.sf2"),
            SoundFontError,
            "/nonexistent/piano.sf2",
        ),
    ],
)
def test_engine_open_errors_are_one_sentence_and_the_death_is_reported(
    jack_server, settings, error, words
):
    client = EngineClient(AudioSettings(**settings))
    client.start()
    try:
        with pytest.raises(error, match=words) as info:
            client.wait_ready(30)
        message = str(info.value)
        assert message.endswith(".") and "\n" not in message
        events = _wait_for(client, lambda e: isinstance(e, evt.EngineDiedEvent))
        assert any(isinstance(e, evt.ErrorEvent) and e.fatal for e in events)
    finally:
        client.close()


def test_no_jack_server_is_a_clear_error(jack_server, monkeypatch):
    monkeypatch.setenv("JACK_DEFAULT_SERVER", "nonexistent")
    client = EngineClient(AudioSettings(driver="jack"))
    client.start()
    try:
        with pytest.raises(AudioDriverError, match="No JACK server"):
            client.wait_ready(30)
    finally:
        client.close()


def test_unknown_driver_name_is_refused_before_any_process_starts():
    with pytest.raises(AudioDriverError, match="Unknown audio driver 'bogus'"):
        AudioSettings(driver="bogus")


def test_the_engine_dies_with_its_gui(jack_server):
    """The engine must not outlive the GUI that started it (end of the command pipe)."""
    import subprocess
    import sys

    gui = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import time\n"
            "from engine.core.audio_settings import AudioSettings\n"
            "from engine.realtime.client import EngineClient\n"
            "if __name__ == '__main__':\n"
            "    c = EngineClient(AudioSettings(driver='jack')).start()\n"
            "    print(c.wait_ready(30).pid, flush=True)\n"
            "    time.sleep(60)\n",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        engine_pid = int(gui.stdout.readline())
        gui.kill()
        gui.wait()
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and _running(engine_pid):
            time.sleep(0.02)
        assert not _running(engine_pid)
    finally:
        if gui.poll() is None:
            gui.kill()


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split()[2]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_jack_xruns_are_reported(engine, jack_server):
    """A JACK client that overruns its period makes the server report xruns to everyone;
    the engine passes them on."""
    import jack

    assert "xruns observed" in engine.ready.driver_reason
    engine.poll_events()
    hog = jack.Client("pianola-test-hog", servername=jack_server, no_start_server=True)
    hog.set_process_callback(lambda frames: time.sleep(0.02))  # 20 ms > one 5.3 ms period
    hog.activate()
    try:
        seen = _wait_for(engine, lambda e: isinstance(e, evt.XrunEvent), timeout_s=5)
    finally:
        hog.deactivate()
        hog.close()
    assert all(e.count >= 1 for e in seen if isinstance(e, evt.XrunEvent))


def test_a_starved_scheduler_reports_late_events(engine):
    """Starve only the engine's scheduler thread: pin it to CPU 0 and run a busier
    SCHED_FIFO thread there for longer than the look-ahead, while the audio clock goes on
    on the other CPU.  The engine must say that its window ran out."""
    if os.cpu_count() < 2 or os.geteuid() != 0:
        pytest.skip("needs two CPUs and the right to run SCHED_FIFO 90")
    engine.load_score(_score(notes=64))
    engine.play(0)
    _wait_for(engine, lambda e: isinstance(e, evt.TransportEvent) and e.playing)
    tasks = Path(f"/proc/{engine.pid}/task")
    sched_tid = next(
        int(t.name) for t in tasks.iterdir() if (t / "comm").read_text().strip() == "pianola-sched"
    )
    os.sched_setaffinity(sched_tid, {0})
    hog = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import os, time\n"
            "os.sched_setaffinity(0, {0})\n"
            "os.sched_setscheduler(0, os.SCHED_FIFO, os.sched_param(90))\n"
            "end = time.monotonic() + 0.15\n"
            "while time.monotonic() < end:\n"
            "    pass\n",
        ]
    )
    hog.wait(10)
    seen = _wait_for(engine, lambda e: isinstance(e, evt.LateEvent))
    late = [e for e in seen if isinstance(e, evt.LateEvent)]
    # 150 ms of starvation against a 30 ms look-ahead: events were sent after their
    # time.  How late depends on how busy the machine is: only that it is said is tested.
    assert late and all(e.count >= 1 and e.worst_frames > 0 for e in late)


@pytest.mark.parametrize("which_fd", ["event_fd", "death_fd"])
def test_a_gui_waiting_on_the_fds_is_woken_by_the_engines_death(jack_server, which_fd):
    """What Tk's createfilehandler does: wait on the descriptor, then poll_events."""
    import select

    client = EngineClient(AudioSettings(driver="jack"))
    client.start()
    try:
        client.wait_ready(30)
        client.poll_events()
        os.kill(client.pid, signal.SIGKILL)
        # The bound only ends a failing test; how fast the wake-up comes is a timing
        # figure, not a function.
        readable, _, _ = select.select([getattr(client, which_fd)], [], [], 60.0)
        assert readable
        events = client.poll_events()
        assert isinstance(events[-1], evt.EngineDiedEvent)
    finally:
        client.close()
