"""Hypothesis profiles for the suite (pure: loaded by tests/conftest.py).

- ``ci`` (``CI=true``, and what ``./test.sh`` uses): derandomized and with no example
  database, so every run on every fresh machine tries exactly the same inputs and a green
  run stays green.  Inputs that once failed are kept as explicit ``@example``s beside
  their tests, so they are tried on every run too.
- ``fuzz`` (``./test.sh --fuzz``): random and ``FUZZ_FACTOR`` times as many examples, to
  look for new failures before a release.  Each failure it finds becomes an ``@example``.
- ``dev`` (plain ``pytest`` on a developer's machine): random, the usual example counts.

``PIANOLA_HYPOTHESIS_PROFILE`` names a profile outright.
"""

from __future__ import annotations

import os

from hypothesis import HealthCheck, settings

FUZZ_FACTOR = 20

# Busy machines: no per-example deadline, and no complaint about slow data generation.
_COMMON = {"deadline": None, "suppress_health_check": [HealthCheck.too_slow]}

settings.register_profile("dev", max_examples=100, **_COMMON)
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_COMMON)
settings.register_profile("fuzz", max_examples=100 * FUZZ_FACTOR, print_blob=True, **_COMMON)


def chosen_profile() -> str:
    named = os.environ.get("PIANOLA_HYPOTHESIS_PROFILE")
    if named:
        return named
    return "ci" if os.environ.get("CI", "").lower() in ("true", "1", "yes") else "dev"


def examples(count: int) -> int:
    """A test's own example count, scaled up when fuzzing (explicit ``max_examples`` on a
    test would otherwise cap the fuzz profile's)."""
    return count * FUZZ_FACTOR if settings.default is settings.get_profile("fuzz") else count
