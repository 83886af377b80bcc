"""The window's session tests use the session tests' real server (`pianola serve` in its
own process)."""

from tests.engine.collab.conftest import server  # noqa: F401  (a fixture, used by name)
