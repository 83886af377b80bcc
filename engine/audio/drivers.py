"""Which audio output to use: probing JACK, desktop sound servers and PortAudio (any thread).

Used by the synth backend when the driver is "auto" and by `pianola doctor`.  Only
subprocesses and file checks: nothing here loads FluidSynth or opens a device (the
PortAudio probe imports sounddevice, which only lists devices).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from engine.core.audio_settings import AudioSettings

FLUID_DRIVERS = ("jack", "pipewire", "pulseaudio", "alsa")  # FluidSynth's own outputs


def jack_server_name(settings: AudioSettings) -> str | None:
    return settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER") or None


def _ask_jack(tool_name: str, server: str | None) -> int | None:
    """A number printed by one of jackd2's little tools (jack_samplerate, jack_bufsize)."""
    tool = shutil.which(tool_name)
    if tool is None:
        return None
    env = dict(os.environ, JACK_NO_START_SERVER="1")
    if server:
        env["JACK_DEFAULT_SERVER"] = server
    try:
        out = subprocess.run([tool], env=env, capture_output=True, text=True, timeout=3)
    except subprocess.TimeoutExpired:
        return None
    text = out.stdout.strip()
    return int(text) if out.returncode == 0 and text.isdigit() else None


def jack_sample_rate(server: str | None) -> int | None:
    """The running JACK server's sample rate, or None if it cannot be asked."""
    return _ask_jack("jack_samplerate", server)


def jack_buffer_size(server: str | None) -> int | None:
    """The running JACK server's period in frames, or None if it cannot be asked."""
    return _ask_jack("jack_bufsize", server)


def _pulse_server_runs() -> bool:
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if not runtime:
        return False
    return any(Path(runtime, name).exists() for name in ("pulse/native", "pipewire-0"))


def _default_output_device() -> bool:
    try:
        import sounddevice
    except (ImportError, OSError):  # no PortAudio library
        return False
    try:
        sounddevice.query_devices(kind="output")
    except (sounddevice.PortAudioError, ValueError):  # no default output device
        return False
    return True


def choose_driver(settings: AudioSettings, fluid_drivers: list[str]) -> tuple[str, str]:
    """The driver "auto" means here and now, with the reason, e.g. ("jack", "a JACK server answers")."""
    server = jack_server_name(settings)
    if "jack" in fluid_drivers and server_answers(server):
        return "jack", f"a JACK server ({server or 'default'}) answers"
    if _pulse_server_runs():
        for name in ("pipewire", "pulseaudio"):
            if name in fluid_drivers:
                return name, f"a {name} server is running"
    if "alsa" in fluid_drivers and Path("/dev/snd").exists():
        return "alsa", "no JACK or desktop sound server, but /dev/snd exists"
    if _default_output_device():
        return "sounddevice", "PortAudio has a default output device"
    return "none", "no JACK server, sound server, sound card or PortAudio device was found"


def server_answers(name: str | None = None, timeout_s: float = 2.0) -> bool:
    """True if a JACK server called ``name`` (None: the default server) accepts a client.

    Asked from a child process so that a missing server costs no JACK state here.
    """
    lsp = shutil.which("jack_lsp")
    if lsp is None:
        return False
    env = dict(os.environ)
    if name:
        env["JACK_DEFAULT_SERVER"] = name
    env["JACK_NO_START_SERVER"] = "1"
    try:
        res = subprocess.run(
            [lsp], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=timeout_s
        )
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0
