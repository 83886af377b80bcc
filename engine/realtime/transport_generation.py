"""The transport's generation: bumped by the engine's main thread, read by its scheduler
thread (engine process).

Every jump of the transport (a load, play, stop, locate or mode change) bumps the
generation that the position block publishes with each position, so that a reader knows
the positions before and after it belong to different runs.  A position may carry a
generation only if it was computed after that generation's jump was wholly applied;
otherwise a stop could be published as "stopped, same generation as while playing".

So the count is odd while a jump is being applied, and the scheduler thread publishes a
position only when it read the same even count before and after computing it, as a
seqlock's reader does.  Only the main thread writes; a Python int read is atomic.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


class TransportGeneration:
    """Counts transport jumps; see the module doc."""

    def __init__(self, start: int):
        self._count = 2 * start  # even: no jump being applied

    @contextmanager
    def jump(self) -> Iterator[None]:
        """Around the code that applies one jump (main thread only)."""
        self._count += 1
        try:
            yield
        finally:
            self._count += 1

    def read(self) -> int:
        """The raw count, for ``settled`` (scheduler thread)."""
        return self._count

    def settled(self, before: int) -> bool:
        """True when no jump was being applied at ``before`` and none began since, so a
        position computed in between belongs to generation ``published(before)``."""
        return before % 2 == 0 and self._count == before

    @staticmethod
    def published(count: int) -> int:
        """The generation written into the position block for a settled count."""
        return count // 2

    @property
    def current(self) -> int:
        """The generation of the latest jump, applied or being applied."""
        return (self._count + 1) // 2
