#!/usr/bin/env bash
# Set up what is missing (with the test extra), then run the whole suite headless.
# The suite starts its own private Xvfb and dummy JACK server (tests/conftest.py).
# Extra arguments go to pytest (e.g. ./test.sh -k midi).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$ROOT/bootstrap.sh" test
cd "$ROOT"
"$ROOT/.venv/bin/ruff" check --quiet .
"$ROOT/.venv/bin/ruff" format --check --quiet .
exec "$ROOT/.venv/bin/python" -m pytest "$@"
