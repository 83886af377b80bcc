"""`pianola play`: the real command, the real engine process, the dummy JACK server."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from engine.core.score import Note, Score, Track
from engine.files.project_file import save_project
from tests.engine.commands.pianola_cli import run_pianola, start_pianola


@pytest.fixture
def song(tmp_path) -> Path:
    """Eight eighth notes at 120 BPM: two seconds."""
    path = tmp_path / "small.pianola"
    save_project(
        Score(tracks=(Track(notes=tuple(Note(i * 240, 200, 60 + i) for i in range(8))),)), path
    )
    return path


def _one_sentence(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("pianola: ")
    return lines[0]


def test_play_for_given_seconds_prints_the_set_up_and_exits_0(jack_server, song):
    started = time.monotonic()
    res = run_pianola("play", str(song), "--driver", "jack", "--seconds", "2")
    elapsed = time.monotonic() - started
    assert res.returncode == 0, res.stderr
    assert "driver: jack" in res.stdout and "48000 Hz" in res.stdout
    assert "priority: " in res.stdout and "soundfont: " in res.stdout
    assert elapsed >= 2


def test_play_stops_at_the_end_of_the_song_and_loop_keeps_going(jack_server, song):
    # Half a second of song at 480 BPM against --seconds 3600: returning at all (the
    # timeout only ends a failing run) means it stopped at the song's end.
    res = run_pianola(
        "play", str(song), "--driver", "jack", "--tempo", "480", "--seconds", "3600", timeout=600
    )
    assert res.returncode == 0, res.stderr
    started = time.monotonic()
    res = run_pianola(
        "play", str(song), "--driver", "jack", "--tempo", "480", "--loop", "--seconds", "3"
    )
    assert res.returncode == 0, res.stderr
    assert time.monotonic() - started >= 3


def test_ctrl_c_stops_cleanly_and_ends_the_engine(jack_server, song):
    proc = start_pianola(
        "play",
        str(song),
        "--driver",
        "jack",
        "--loop",
        # a test run started in the background (nohup, `&`) ignores SIGINT, and so would
        # its children: give the command the terminal's default, as a user's shell does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        lines = [proc.stdout.readline() for _ in range(4)]  # the ready summary
        assert lines[0].startswith("driver: jack"), (lines, proc.poll())
        children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
        engine_pids = [
            int(c)
            for c in children
            if "multiprocessing" in Path(f"/proc/{c}/cmdline").read_text()
            and "spawn_main" in Path(f"/proc/{c}/cmdline").read_text()
        ]
        assert engine_pids
        time.sleep(0.5)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=300)  # the bound only ends a failing run
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Stopped." in out
    for pid in engine_pids:  # the engine shut down (it panics on the way out)
        assert not Path(f"/proc/{pid}").exists()


def test_missing_file_is_one_sentence_and_exit_1(tmp_path):
    res = run_pianola("play", str(tmp_path / "nope.pianola"))
    assert res.returncode == 1
    assert "nope.pianola" in _one_sentence(res.stderr)


def test_no_jack_server_is_one_sentence_and_exit_1(song):
    env = dict(os.environ, JACK_DEFAULT_SERVER="nonexistent")
    res = run_pianola("play", str(song), "--driver", "jack", env=env)
    assert res.returncode == 1
    assert "No JACK server is running" in _one_sentence(res.stderr)


@pytest.mark.parametrize(
    "args, words",
    [
        (["--driver", "bogus"], "Unknown audio driver 'bogus'"),
        (["--driver", "jack", "--soundfont", "/nonexistent/x.sf2"], "/nonexistent/x.sf2"),
        (["--tempo", "5000"], "Tempo must be from 10 to 999 BPM"),
        (["--driver", "file"], "pianola render"),
    ],
)
def test_bad_options_are_one_sentence_and_exit_1(jack_server, song, args, words):
    res = run_pianola("play", str(song), *args)
    assert res.returncode == 1
    assert words in _one_sentence(res.stderr)


def test_a_terminal_sees_bar_and_beat_move(jack_server, song):
    """On a terminal, the position is shown in place as bar.beat, read from the counter."""
    import pty
    import select

    master, slave = pty.openpty()
    proc = start_pianola(
        "play",
        str(song),
        "--driver",
        "jack",
        # 1.5 s a beat: each beat is shown even when the machine is busy
        "--tempo",
        "40",
        stdout=slave,
        text=False,
    )
    os.close(slave)
    out = b""
    try:
        while True:
            ready, _, _ = select.select([master], [], [], 300)
            if not ready:
                break
            try:
                chunk = os.read(master, 4096)
            except OSError:  # the terminal closed: the command ended
                break
            if not chunk:
                break
            out += chunk
        proc.wait(300)
    finally:
        os.close(master)
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0
    text = out.decode()
    # Eight eighth notes are one bar: beats 1.1 to 1.4 go by, each in place.
    for beat in ("\r1.1 ", "\r1.2 ", "\r1.3 ", "\r1.4 "):
        assert beat in text


def test_help_offers_exactly_the_drivers_play_accepts(jack_server, song):
    """Every driver --help names is accepted (none answers "cannot use"), and the one it
    leaves out (file) is refused with the way to write a file."""
    from engine.commands.play import play_drivers

    help_text = " ".join(run_pianola("play", "--help").stdout.split())
    offered = help_text.split("audio driver: ")[1].split(" (default")[0].split(", ")
    assert offered == list(play_drivers()) and "file" not in offered
    res = run_pianola("play", str(song), "--driver", "bogus")
    assert _one_sentence(res.stderr).endswith(f"choose one of {', '.join(offered)}.")


@pytest.mark.parametrize("loop", [False, True])
def test_losing_the_jack_server_stops_play_with_one_sentence(song, loop):
    """The server is killed under a playing `pianola play`: it ends by itself (looping or
    not, long before --seconds), exit 1, one sentence, no library chatter."""
    from tests.second_jack_server import start_second_server

    server = start_second_server(f"pianola-lost-{os.getpid()}-{int(loop)}")
    proc = start_pianola(
        *["play", str(song), "--driver", "jack", "--jack-server", server.name],
        *["--seconds", "3600", "--tempo", "30", *(["--loop"] if loop else [])],
    )
    try:
        assert "driver: jack" in proc.stdout.readline()  # ready: the song is playing
        time.sleep(0.5)
        killed_at = time.monotonic()
        server.kill()
        _, stderr = proc.communicate(timeout=300)  # the bound only ends a failing run
        print(f"play ended {time.monotonic() - killed_at:.2f} s after the server was killed")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        server.stop()
    assert proc.returncode == 1
    assert _one_sentence(stderr) == (
        f"pianola: The JACK server '{server.name}' stopped, so nothing can be heard until it "
        "runs again."
    )
