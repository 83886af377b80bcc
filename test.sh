#!/usr/bin/env bash
# Set up what is missing (with the test extra), then run the whole suite headless.
# The suite starts its own private Xvfb and dummy JACK server (tests/conftest.py).
#
#   ./test.sh            lint, format check, the whole suite; Hypothesis derandomized
#                        (the same inputs on every machine, so a green run stays green)
#   ./test.sh --fuzz     only the Hypothesis tests, random and 20 times as many examples:
#                        run before a release; keep each failure it finds as an @example
#
# Extra arguments go to pytest (e.g. ./test.sh -k midi).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$ROOT/bootstrap.sh" test
cd "$ROOT"
if [[ "${1:-}" == "--fuzz" ]]; then
    shift
    export PIANOLA_HYPOTHESIS_PROFILE=fuzz
    exec "$ROOT/.venv/bin/python" -m pytest -m hypothesis "$@"
fi
export PIANOLA_HYPOTHESIS_PROFILE="${PIANOLA_HYPOTHESIS_PROFILE:-ci}"
"$ROOT/.venv/bin/ruff" check --quiet .
"$ROOT/.venv/bin/ruff" format --check --quiet .
"$ROOT/.venv/bin/mypy"  # the files and settings are in pyproject.toml
exec "$ROOT/.venv/bin/python" -m pytest "$@"
