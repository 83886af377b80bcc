"""The synth's audio outputs: which one to open, and opening it (engine process; each
output renders in its own audio thread).

- FluidSynth's own drivers ("jack", "pipewire", "pulseaudio", "alsa"): FluidSynth's audio
  thread renders and applies the sequencer's events; no Python runs there.
- "sounddevice": PortAudio's callback thread asks FluidSynth to render straight into
  PortAudio's buffer.
- "none": a thread of ours renders and discards at wall-clock pace, so the sample clock
  advances as if a sound card were playing.
- "file": no output at all; the caller renders (offline rendering, tests).

``resolve_driver`` decides which one before anything is built, so a driver that cannot
work is refused with one sentence instead of a half-made synth.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from engine.audio import fluid_ffi as ffi
from engine.audio.drivers import (
    FLUID_DRIVERS,
    choose_driver,
    jack_server_name,
    probe_jack,
)
from engine.core.audio_settings import KNOWN_DRIVERS, AudioSettings
from engine.core.errors import AudioDriverError

# How long an engine starting on JACK waits for the server to take a client: a busy
# machine is slow to start the probe, and a slow answer is not "no server".
START_PROBE_S = 10.0

# Renders ``frames`` frames of interleaved float32 stereo at a memory address and advances
# the synth's own frame count (SynthBackend.write_frames).
WriteFrames = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class ResolvedDriver:
    """The output to open, why, and the rate and period it imposes."""

    name: str
    reason: str
    sample_rate: int
    period_frames: int


def fluid_driver_names() -> list[str]:
    """The audio drivers this FluidSynth was built with."""
    probe = ffi.new_fluid_settings()
    try:
        return ffi.setting_options(probe, "audio.driver")
    finally:
        ffi.delete_fluid_settings(probe)


def resolve_driver(settings: AudioSettings) -> ResolvedDriver:
    """The driver to open ("auto" resolved), checked before anything is built; raises
    AudioDriverError with one sentence when it cannot work here."""
    fluid_drivers = fluid_driver_names()
    name = settings.driver
    sample_rate, period_frames = settings.sample_rate, settings.period_frames
    if name not in KNOWN_DRIVERS:  # AudioSettings checks too; a backend may be built raw
        raise AudioDriverError(
            f"Unknown audio driver {name!r}: choose one of {', '.join(KNOWN_DRIVERS)}."
        )
    if name == "auto":
        name, reason = choose_driver(settings, fluid_drivers)
    else:
        reason = "chosen in the settings"
    if name in FLUID_DRIVERS and name not in fluid_drivers:
        hint = (
            ' (PipeWire also serves the "jack" and "pulseaudio" drivers)'
            if name == "pipewire"
            else ""
        )
        raise AudioDriverError(
            f"This FluidSynth has no {name} driver{hint}; it has {', '.join(fluid_drivers)}."
        )
    if name == "jack":
        server = jack_server_name(settings)
        probe = probe_jack(server, timeout_s=START_PROBE_S)
        if probe.refused:
            raise AudioDriverError(
                f"The JACK server '{server or 'default'}' is running but would not take "
                f"Pianola's client ({probe.problem}); try again or restart the server."
            )
        if not probe.answers:
            raise AudioDriverError(
                f"No JACK server is running (server '{server or 'default'}': "
                f"{probe.problem}); start one or choose another driver."
            )
        # JACK imposes its rate and period; the synth and its clock follow them
        sample_rate = probe.sample_rate or sample_rate
        period_frames = probe.period_frames or period_frames
    elif name == "alsa" and not Path("/dev/snd").exists():
        raise AudioDriverError(
            "The ALSA driver needs a sound card, and this machine has none (/dev/snd is missing)."
        )
    return ResolvedDriver(name, reason, sample_rate, period_frames)


class FluidOutput:
    """One of FluidSynth's own audio drivers, rendering ``synth`` in its audio thread."""

    renders_itself = True  # the sample clock is the sequencer's, advanced by the driver

    def __init__(self, name: str, fs_settings, synth, settings: AudioSettings, render=None):
        """``render``: (C audio function address, its data) to render through instead of
        FluidSynth's own stereo mix (``engine.audio.group_mix``), or None."""
        if name == "jack":
            server = jack_server_name(settings)
            if server:
                ffi.fluid_settings_setstr(fs_settings, b"audio.jack.server", server.encode())
            ffi.fluid_settings_setint(
                fs_settings, b"audio.jack.autoconnect", int(settings.jack_autoconnect)
            )
            ffi.fluid_settings_setstr(fs_settings, b"audio.jack.id", b"pianola")
            ffi.fluid_settings_setint(fs_settings, b"audio.jack.multi", 0)
        ffi.fluid_settings_setstr(fs_settings, b"audio.driver", name.encode())
        if render is None:
            self._driver = ffi.new_fluid_audio_driver(fs_settings, synth)
        else:
            self._driver = ffi.new_fluid_audio_driver2(fs_settings, *render)
        if not self._driver:
            raise AudioDriverError(
                f"The {name} audio driver would not open; check that its "
                f"server or device is available."
            )

    def close(self) -> None:
        if self._driver:
            ffi.delete_fluid_audio_driver(self._driver)
            self._driver = None


def portaudio_callback(write: WriteFrames):
    """The sounddevice stream's callback: in PortAudio's audio thread, FluidSynth renders
    straight into PortAudio's interleaved buffer."""

    def callback(outdata, frames, _time, _status) -> None:
        write(outdata.ctypes.data, frames)

    return callback


class SounddeviceOutput:
    """PortAudio (through sounddevice): its callback thread renders into its buffer."""

    renders_itself = False  # the clock is the frames written through ``write``

    def __init__(self, write: WriteFrames, sample_rate: int, period_frames: int):
        try:
            import sounddevice
        except (ImportError, OSError) as exc:
            raise AudioDriverError(f"The sounddevice driver is unavailable: {exc}.") from None
        try:
            self._stream = sounddevice.OutputStream(
                samplerate=sample_rate,
                channels=2,
                dtype="float32",
                blocksize=period_frames,
                callback=portaudio_callback(write),
            )
            self._stream.start()
        except Exception as exc:  # PortAudioError has no narrower public base
            self._stream = None
            raise AudioDriverError(
                f"The sounddevice driver would not open an output: {exc}."
            ) from None

    def close(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


class PacedNullOutput:
    """The "none" driver: render and discard at wall-clock pace so the clock advances."""

    renders_itself = False

    def __init__(
        self, write: WriteFrames, rendered_frames: Callable[[], int], sample_rate, period_frames
    ):
        self._write = write
        self._rendered_frames = rendered_frames
        self._sample_rate = sample_rate
        self._period_frames = period_frames
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pace, name="pianola-null-audio", daemon=True)
        self._thread.start()

    def _pace(self) -> None:
        scratch = np.zeros((self._period_frames, 2), dtype=np.float32)
        address = scratch.ctypes.data
        start = time.monotonic()
        period_s = self._period_frames / self._sample_rate
        while not self._stop.is_set():
            self._write(address, self._period_frames)
            # absolute deadline from the start: sleeping never accumulates drift
            deadline = start + self._rendered_frames() / self._sample_rate
            self._stop.wait(max(0.0, min(period_s, deadline - time.monotonic())))

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


AudioOutput = FluidOutput | SounddeviceOutput | PacedNullOutput


def open_output(
    name: str,
    fs_settings,
    synth,
    settings: AudioSettings,
    *,
    write: WriteFrames,
    rendered_frames: Callable[[], int],
    sample_rate: int,
    period_frames: int,
    render=None,
) -> AudioOutput | None:
    """Open the output ``name`` for ``synth`` (None for "file": the caller renders);
    ``render`` as for ``FluidOutput``."""
    if name in FLUID_DRIVERS:
        return FluidOutput(name, fs_settings, synth, settings, render)
    if name == "sounddevice":
        return SounddeviceOutput(write, sample_rate, period_frames)
    if name == "none":
        return PacedNullOutput(write, rendered_frames, sample_rate, period_frames)
    return None
