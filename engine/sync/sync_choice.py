"""Which sync source the engine follows, and its settings, as the engine is told (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.protocol.sync_commands import SYNC_SOURCES

SOURCE_NAMES = {
    "internal": "internal clock",
    "link": "Ableton Link",
    "jack-follow": "JACK transport (following)",
    "jack-lead": "JACK transport (leading)",
    "midi-clock": "MIDI clock",
}


@dataclass(frozen=True, slots=True)
class SyncChoice:
    """Which source to follow, and its settings."""

    source: str = "internal"
    quantum: float = 4.0
    start_stop_sync: bool = True
    port: str = ""  # where a MIDI clock comes from

    def __post_init__(self):
        if self.source not in SYNC_SOURCES:
            raise ValueError(
                f"the sync source must be one of {', '.join(SYNC_SOURCES)}, not {self.source!r}"
            )
        if not 1.0 <= float(self.quantum) <= 64.0:
            raise ValueError(f"the Link quantum must be from 1 to 64 beats, not {self.quantum:g}")
