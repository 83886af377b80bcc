"""`pianola render` with songs that would never end, signals, library chatter and modes:
one sentence, a non-zero exit, and nothing left in the output folder."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time

import mido
import pytest

from engine.core.score import Note, Score, Track
from engine.files.project_file import save_project


def _pianola(*args, cwd=None, env=None, umask=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "engine.commands.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        preexec_fn=(lambda: os.umask(umask)) if umask is not None else None,
    )


def _hours_away(path):
    """A legal MIDI file whose note-off lies the largest delta time (28 bits) away."""
    mid = mido.MidiFile(type=1, ticks_per_beat=480)
    mid.tracks.append(
        mido.MidiTrack(
            [
                mido.Message("note_on", note=60, velocity=100, time=0),
                mido.Message("note_off", note=60, time=0x0FFFFFFF),
            ]
        )
    )
    mid.save(path)
    return path


def test_a_song_hours_long_is_refused_with_a_sentence_naming_the_way_to_lift_it(tmp_path):
    song = _hours_away(tmp_path / "long.mid")
    out = tmp_path / "out.wav"
    res = _pianola("render", str(song), "-o", str(out))
    assert res.returncode == 1
    assert res.stderr == (
        f"pianola: Cannot save {out}: the song lasts 77:40:22 (to the end of its last note), "
        "longer than the render limit of 1:00:00; --max-minutes lifts it\n"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mid"]


def test_a_song_past_4_gib_is_written_as_rf64_once_the_limit_is_lifted(tmp_path):
    """77 hours make 53 GB: no plain WAV holds them, so the file being written is RF64
    (checked from its first bytes, then stopped: the test writes a few megabytes)."""
    song = _hours_away(tmp_path / "long.mid")
    out = tmp_path / "out.wav"
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.commands.cli", "render", str(song), "-o", str(out)]
        + ["--max-minutes", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        header = b""
        while proc.poll() is None:
            temps = [p for p in tmp_path.iterdir() if p.name.startswith(".out.wav.")]
            if temps and temps[0].stat().st_size > 1_000_000:
                header = temps[0].read_bytes()[:16]
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signal.SIGTERM)
        _, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert header[:4] == b"RF64" and header[12:16] == b"ds64", header
    assert stderr == f"pianola: stopped by SIGTERM; {out} was not written.\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.mid"]


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGINT])
def test_a_signal_during_a_render_leaves_no_file(tmp_path, signum):
    notes = tuple(Note(i * 480, 400, 60 + i % 12) for i in range(2400))  # 20 minutes
    song = tmp_path / "long.pianola"
    save_project(Score(tracks=(Track(notes=notes),)), song)
    out = tmp_path / "out.wav"
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.commands.cli", "render", str(song), "-o", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        # a test run started in the background (nohup, `&`) ignores SIGINT, and so would
        # its children: give the command the terminal's default, as a user's shell does
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        # Wait for the temporary WAV to be growing: the render is under way.
        while proc.poll() is None:
            sizes = [p.stat().st_size for p in tmp_path.iterdir() if p.name.startswith(".out.wav.")]
            if sizes and sizes[0] > 1_000_000:
                break
            time.sleep(0.05)
        assert proc.poll() is None, proc.communicate()
        proc.send_signal(signum)
        _, stderr = proc.communicate(timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == (130 if signum == signal.SIGINT else 128 + signum), stderr
    if signum != signal.SIGINT:
        name = signal.Signals(signum).name
        assert stderr == f"pianola: stopped by {name}; {out} was not written.\n"
    assert "Traceback" not in stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.pianola"], stderr


def test_a_flood_of_fluidsynth_messages_stays_off_the_terminal(tmp_path):
    """Two thousand notes on one tick overflow FluidSynth's queue: it has hundreds of
    thousands of lines to say, none of which may reach the terminal."""
    song = tmp_path / "chord.pianola"
    save_project(Score(tracks=(Track(notes=tuple(Note(0, 480, 60) for _ in range(2000))),)), song)
    state = tmp_path / "state"
    env = dict(os.environ, PIANOLA_STATE_DIR=str(state))
    res = _pianola("render", str(song), "-o", str(tmp_path / "chord.wav"), env=env)
    assert res.returncode == 0, res.stderr
    assert res.stderr == ""
    assert res.stdout.startswith(f"Wrote {tmp_path / 'chord.wav'}: ")
    log = (state / "library.log").read_text()
    assert "pianola render" in log and log.count("\n") < 1000
    # `pianola doctor` names the file and shows its end on demand.
    env.pop("JACK_DEFAULT_SERVER", None)  # the log needs no server: probe none in use
    doctor = _pianola("doctor", "--log", env=env)
    assert str(state / "library.log") in doctor.stdout
    assert "pianola render (pid" in doctor.stdout


def test_wav_files_get_the_umask_mode_and_an_overwritten_one_keeps_its_own(tmp_path):
    song = tmp_path / "s.pianola"
    save_project(Score(tracks=(Track(notes=(Note(0, 480, 60),)),)), song)
    new = tmp_path / "new.wav"
    assert _pianola("render", str(song), "-o", str(new), umask=0o022).returncode == 0
    assert stat.S_IMODE(new.stat().st_mode) == 0o644
    kept = tmp_path / "kept.wav"
    kept.write_bytes(b"old")
    kept.chmod(0o640)
    assert _pianola("render", str(song), "-o", str(kept), umask=0o077).returncode == 0
    assert stat.S_IMODE(kept.stat().st_mode) == 0o640 and kept.read_bytes()[:4] == b"RIFF"


@pytest.fixture
def small_disk(tmp_path):
    """A 1 MiB tmpfs (root only), unmounted afterwards."""
    mnt = tmp_path / "small"
    mnt.mkdir()
    if (
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mnt)], capture_output=True
        ).returncode
        != 0
    ):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    yield mnt
    subprocess.run(["umount", str(mnt)], check=True)


def test_a_full_disk_is_a_sentence_and_leaves_no_file(tmp_path, small_disk):
    song = tmp_path / "ten-seconds.pianola"
    save_project(
        Score(tracks=(Track(notes=tuple(Note(i * 480, 400, 60) for i in range(20))),)), song
    )
    out = small_disk / "out.wav"
    res = _pianola("render", str(song), "-o", str(out))
    assert res.returncode == 1
    assert res.stderr == f"pianola: Cannot save {out}: the disk is full\n"
    assert list(small_disk.iterdir()) == []
