"""`pianola doctor` on this machine: real FluidSynth, real JACK probing, real SoundFonts."""

from __future__ import annotations

import os
import subprocess
import sys


def _doctor(*args, **env):
    return subprocess.run(
        [sys.executable, "-m", "engine.commands.cli", "doctor", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=dict(os.environ, **env),
    )


def test_with_a_jack_server_everything_needed_is_reported(jack_server):
    res = _doctor()
    assert res.returncode == 0, res.stdout + res.stderr
    out = res.stdout
    assert "FluidSynth 2." in out and "jack" in out.splitlines()[0]
    assert f"JACK: server '{jack_server}' answers" in out
    assert 'Driver "auto" would use: jack' in out
    assert "PortAudio:" in out
    assert "chosen: " in out and ".sf2" in out
    assert "Realtime priority: SCHED_FIFO 70 is " in out
    if os.geteuid() == 0:
        assert "SCHED_FIFO 70 is granted" in out


def test_no_jack_server_says_what_to_do(jack_server):
    res = _doctor(JACK_DEFAULT_SERVER="nonexistent")
    out = res.stdout
    assert "JACK: server 'nonexistent' does not answer" in out
    assert "To do:" in out and "No JACK server answers: start one" in out
    # Nothing else here makes sound (no sound card, no PulseAudio, no PortAudio device).
    if "would use: none" in out:
        assert res.returncode == 1


def test_a_missing_soundfont_setting_is_a_problem_with_a_fix(jack_server):
    res = _doctor("--soundfont", "/nonexistent/grand.sf2")
    assert res.returncode == 1
    assert "missing /nonexistent/grand.sf2 (setting)" in res.stdout
    assert "chosen: none" in res.stdout
    assert "Fix the SoundFont setting" in res.stdout


def test_environment_soundfont_is_listed_and_used(jack_server, tmp_path):
    from engine.files.soundfonts import BUNDLED_SOUNDFONT

    res = _doctor(PIANOLA_SOUNDFONT=str(BUNDLED_SOUNDFONT))
    assert res.returncode == 0
    assert f"chosen: {BUNDLED_SOUNDFONT} (PIANOLA_SOUNDFONT is set)" in res.stdout


def test_a_bad_priority_is_one_sentence_and_exit_1():
    res = _doctor("--priority", "200")
    assert res.returncode == 1
    assert res.stderr.strip() == "pianola: The realtime priority must be from 1 to 99, not 200."


def test_refused_realtime_is_reported_with_the_fix():
    """As an ordinary user (uid nobody, rtprio limit 0) realtime is really refused."""
    import resource

    import pytest

    if os.geteuid() != 0:
        pytest.skip("needs root to become another user")

    def become_nobody():
        resource.setrlimit(resource.RLIMIT_RTPRIO, (0, 0))
        os.setgid(65534)
        os.setgroups([])
        os.setuid(65534)

    res = subprocess.run(
        [sys.executable, "-m", "engine.commands.cli", "doctor"],
        capture_output=True,
        text=True,
        timeout=120,
        preexec_fn=become_nobody,
        cwd="/",
        env=dict(os.environ, PYTHONPATH=os.getcwd(), HOME="/nonexistent"),
    )
    assert "Realtime priority: SCHED_FIFO 70 is refused" in res.stdout, res.stderr
    assert "Allow realtime priority: add yourself to the 'audio' group" in res.stdout


def test_midi_apis_and_ports_are_listed(jack_server):
    from engine.measure.midi_capture import MidiRecorder

    with MidiRecorder(f"doctor-rec-{os.getpid()}", server=jack_server):
        res = _doctor()
    out = res.stdout
    assert f"MIDI JACK: outputs: doctor-rec-{os.getpid()}:in" in out, out
    assert f"inputs: doctor-rec-{os.getpid()}:out" in out
    assert (
        "MIDI JACK: Pianola's own input is pianola-midi-in:in (events placed to the frame); "
        "'JACK: Pianola virtual input' opens pianola-virtual-in:in through python-rtmidi"
    ) in out
    if not os.path.exists("/dev/snd/seq"):
        assert "MIDI ALSA: not available (the ALSA sequencer cannot be opened" in out


def test_no_midi_api_says_what_to_do(jack_server):
    res = _doctor(JACK_DEFAULT_SERVER="nonexistent")
    if os.path.exists("/dev/snd/seq"):
        return  # ALSA answers here: there is an API
    assert "MIDI JACK: not available (no JACK server is running" in res.stdout
    assert "No MIDI API answers, so there are no MIDI ports: load the ALSA sequencer" in res.stdout
    assert "ALSA lib" not in res.stderr  # the library's own chatter is not shown
