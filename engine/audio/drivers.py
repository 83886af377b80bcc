"""Which audio output to use: probing JACK, desktop sound servers and PortAudio (any thread).

Used by the synth backend when the driver is "auto" and by `pianola doctor`.  Only
subprocesses and file checks: nothing here loads FluidSynth or opens a device (the
PortAudio probe imports sounddevice, which only lists devices).
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from engine.core.audio_settings import AudioSettings

FLUID_DRIVERS = ("jack", "pipewire", "pulseaudio", "alsa")  # FluidSynth's own outputs


def jack_server_name(settings: AudioSettings) -> str | None:
    return settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER") or None


@dataclass(frozen=True, slots=True)
class JackProbe:
    """What one probe of a JACK server found: whether it took a client, and its rate and
    period in frames (0 when it did not).  ``refused``: a server listens there but would
    not take the client, even when asked again."""

    answers: bool
    refused: bool = False
    sample_rate: int = 0
    period_frames: int = 0
    problem: str = ""  # why it did not answer (one sentence), "" when it did

    def __post_init__(self) -> None:
        if self.sample_rate < 0 or self.period_frames < 0:
            raise ValueError("a JACK rate or period is never negative")
        if self.answers == bool(self.problem):
            raise ValueError("a probe has a problem exactly when it got no answer")
        if self.answers and self.refused:
            raise ValueError("a server that answered did not refuse")


# a probe the server refused (rather than "nothing listens") is asked again, this often
PROBE_ATTEMPTS = 4
PROBE_RETRY_S = 0.1
# a probe still waiting for a wedged server ends itself after this long
PROBE_GIVE_UP_S = 30
# how long an answer is waited for unless the caller says: the probe is a Python child,
# which a loaded machine can take seconds to start
PROBE_WAIT_S = 5.0


def probe_jack(server: str | None, timeout_s: float = PROBE_WAIT_S) -> JackProbe:
    """Open and close a JACK client on ``server`` (None: the default server) from a child
    process, so a missing server costs no JACK state here; ``timeout_s`` bounds each try.

    A server that is there but refused this one client (jack2 does now and then while
    other clients come and go) is asked again: only "nothing listens" and a server that
    does not answer in time are taken as no server.  A probe that has not finished in
    time is left to finish by itself rather than killed halfway through its opening, which
    makes jackd fail in the middle of announcing it to the other clients.
    """
    from engine.audio import jack_probe

    env = dict(os.environ, JACK_NO_START_SERVER="1")
    args = [sys.executable, "-I", "-S", jack_probe.__file__, str(PROBE_GIVE_UP_S)]
    args += [server] if server else []
    problem = ""
    for attempt in range(PROBE_ATTEMPTS):
        if attempt:
            time.sleep(PROBE_RETRY_S)
        proc = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            stdout, stderr = proc.communicate(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            threading.Thread(
                target=proc.communicate, name="pianola-probe-reaper", daemon=True
            ).start()
            return JackProbe(False, problem=f"the JACK server did not answer in {timeout_s:g} s")
        if proc.returncode == 0:
            rate, period = (int(word) for word in stdout.split())
            return JackProbe(True, sample_rate=rate, period_frames=period)
        if proc.returncode == jack_probe.NO_SERVER:
            return JackProbe(False, problem="no JACK server is running under that name")
        if proc.returncode == jack_probe.NO_LIBRARY:
            return JackProbe(False, problem="the JACK library (libjack) is not installed")
        said = stderr.strip().splitlines()
        problem = f"the JACK server refused a client ({said[-1] if said else proc.returncode})"
    return JackProbe(False, refused=True, problem=problem)


def jack_sample_rate(server: str | None) -> int | None:
    """The running JACK server's sample rate, or None if it cannot be asked."""
    return probe_jack(server).sample_rate or None


def jack_buffer_size(server: str | None) -> int | None:
    """The running JACK server's period in frames, or None if it cannot be asked."""
    return probe_jack(server).period_frames or None


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


def server_answers(name: str | None = None, timeout_s: float = PROBE_WAIT_S) -> bool:
    """True if a JACK server called ``name`` (None: the default server) accepts a client."""
    return probe_jack(name, timeout_s).answers
