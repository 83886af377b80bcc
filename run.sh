#!/usr/bin/env bash
# Set up what is missing, then open Pianola on the bundled demo song and SoundFont.
# Extra arguments go to `pianola` instead (e.g. ./run.sh mysong.pianola, ./run.sh doctor).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$ROOT/bootstrap.sh" run
if [ "$#" -eq 0 ]; then set -- "$ROOT/assets/demo.pianola"; fi
exec "$ROOT/.venv/bin/pianola" "$@"
