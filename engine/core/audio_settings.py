"""Audio settings of the engine: driver, sample rate, period, gain, effects (pure).

One frozen value shared by the GUI (preferences), the command line and the engine
process, so every part agrees on what "the audio set-up" is.  Validated at construction:
a wrong value raises ``AudioDriverError`` (for the driver) or ``ValueError`` naming the
field and the value.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from engine.core.checks import check_int
from engine.core.errors import AudioDriverError

# "auto" picks the first that works: see engine.audio.drivers.choose_driver.
REALTIME_DRIVERS = ("jack", "pipewire", "pulseaudio", "alsa", "sounddevice")
KNOWN_DRIVERS = ("auto",) + REALTIME_DRIVERS + ("file", "none")


@dataclass(frozen=True, slots=True)
class AudioSettings:
    """How the engine makes sound.

    ``lookahead_ms`` is how far ahead of the audio clock the scheduler sends events;
    ``wav_path`` is where the "file" driver writes (offline render).
    """

    driver: str = "auto"
    sample_rate: int = 48000
    period_frames: int = 256
    periods: int = 2
    jack_server: str | None = None
    jack_autoconnect: bool = True
    gain: float = 0.5
    reverb: bool = True
    chorus: bool = False
    soundfont: str | None = None
    lookahead_ms: int = 30
    wav_path: str | None = None

    def __post_init__(self) -> None:
        if self.driver not in KNOWN_DRIVERS:
            raise AudioDriverError(
                f"Unknown audio driver {self.driver!r}: choose one of {', '.join(KNOWN_DRIVERS)}."
            )
        check_int("sample rate", self.sample_rate, 8000, 192000)
        check_int("period size in frames", self.period_frames, 16, 8192)
        check_int("number of periods", self.periods, 2, 64)
        check_int("look-ahead in milliseconds", self.lookahead_ms, 1, 1000)
        if (
            isinstance(self.gain, bool)
            or not isinstance(self.gain, (int, float))
            or not 0.0 <= self.gain <= 10.0
        ):
            raise ValueError(f"gain must be a number from 0 to 10, not {self.gain!r}")
        for flag in ("jack_autoconnect", "reverb", "chorus"):
            if not isinstance(getattr(self, flag), bool):
                raise ValueError(f"{flag} must be true or false, not {getattr(self, flag)!r}")
        for name in ("jack_server", "soundfont", "wav_path"):
            value = getattr(self, name)
            if isinstance(value, os.PathLike):  # a Path is welcome; keep the value picklable text
                value = os.fspath(value)
                object.__setattr__(self, name, value)
            if value is not None and (not isinstance(value, str) or not value):
                raise ValueError(f"{name} must be a non-empty text or None, not {value!r}")
