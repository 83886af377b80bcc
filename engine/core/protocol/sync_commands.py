"""The commands choosing the clock the engine follows and the MIDI clock it sends (pure).

Both processes import it; every command here is also in
``engine.core.protocol.commands.COMMAND_TYPES``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.checks import check_bool
from engine.core.timing import MAX_BPM, MIN_BPM

# what the engine can follow: its own clock, Ableton Link, JACK's transport, a MIDI clock
SYNC_SOURCES = ("internal", "link", "jack-follow", "jack-lead", "midi-clock")


@dataclass(frozen=True, slots=True)
class SetSyncCommand:
    """Follow one sync source: "internal" (Pianola's own clock), "link" (Ableton Link,
    starting on the session's next ``quantum``-beat boundary, with start/stop shared when
    ``start_stop_sync``), "jack-follow" or "jack-lead" (JACK's transport; leading also
    publishes Pianola's bars and beats to the other clients), "midi-clock" (the MIDI clock
    arriving from the JACK MIDI output ``port`` names)."""

    source: str = "internal"
    quantum: float = 4.0
    start_stop_sync: bool = True
    port: str = ""

    def __post_init__(self):
        if self.source not in SYNC_SOURCES:
            raise ValueError(
                f"the sync source must be one of {', '.join(SYNC_SOURCES)}, not {self.source!r}"
            )
        if isinstance(self.quantum, bool) or not isinstance(self.quantum, (int, float)):
            raise ValueError(f"the Link quantum must be a number of beats, not {self.quantum!r}")
        if not 1 <= self.quantum <= 64:
            raise ValueError(f"the Link quantum must be from 1 to 64 beats, not {self.quantum:g}")
        check_bool("start/stop sync", self.start_stop_sync)
        if not isinstance(self.port, str):
            raise ValueError(f"the MIDI clock port must be a name, not {self.port!r}")
        if self.source == "midi-clock" and not self.port.strip():
            raise ValueError("following a MIDI clock needs the port it comes from")


@dataclass(frozen=True, slots=True)
class SetMidiClockOutCommand:
    """Send MIDI clock (24 per quarter, start/stop/continue, song position) to ``port``
    (a JACK MIDI port's name or a unique part of it; "Pianola": a port of Pianola's own,
    ``pianola-clock:out``), or to no port when ``port`` is empty."""

    port: str = ""

    def __post_init__(self):
        if not isinstance(self.port, str):
            raise ValueError(f"the MIDI clock port must be a name, not {self.port!r}")


@dataclass(frozen=True, slots=True)
class SetLinkTempoCommand:
    """A live session's tempo, for the Link session this engine follows (and so for
    every Link peer); ignored when Link is not followed."""

    bpm: float

    def __post_init__(self) -> None:
        if isinstance(self.bpm, bool) or not isinstance(self.bpm, (int, float)):
            raise ValueError(f"tempo must be a number of beats per minute, not {self.bpm!r}")
        if not (MIN_BPM <= self.bpm <= MAX_BPM):
            raise ValueError(f"tempo must be from {MIN_BPM:g} to {MAX_BPM:g} BPM, not {self.bpm:g}")
