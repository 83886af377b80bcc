"""What the piano roll sounds its notes through: the engine's audition, or nothing (GUI
thread).

The roll only asks to hear a note or to move the transport; the window hands it its
``EngineLink``, and a roll made without one gets ``SilentAudition``, so it edits the
same with no engine at all.
"""

from __future__ import annotations

from typing import Protocol


class Audition(Protocol):
    """What the roll asks of the engine; the window passes an ``EngineLink``."""

    def preview(self, track_index: int, pitch: int, velocity: int, length_ticks: int) -> None:
        """Sound a note for ``length_ticks`` (a click on the keyboard or a new note)."""

    def preview_on(self, track_index: int, pitch: int, velocity: int) -> None:
        """Start sounding a note (a key held down)."""

    def preview_off(self, track_index: int, pitch: int) -> None:
        """Stop the note ``preview_on`` started."""

    def locate(self, tick: int) -> None:
        """Move the transport (a click on the ruler)."""


class SilentAudition:
    """No engine: the roll works (and is tested) without one."""

    def preview(self, track_index: int, pitch: int, velocity: int, length_ticks: int) -> None:
        pass

    def preview_on(self, track_index: int, pitch: int, velocity: int) -> None:
        pass

    def preview_off(self, track_index: int, pitch: int) -> None:
        pass

    def locate(self, tick: int) -> None:
        pass
