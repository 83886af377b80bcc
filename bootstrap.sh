#!/usr/bin/env bash
# Set-up shared by run.sh and test.sh: idempotent, safe to run again.
#
#   bootstrap.sh run    Debian packages Pianola needs, .venv, the package (editable)
#   bootstrap.sh test   the same plus what the tests need (Xvfb, xdotool, ImageMagick,
#                       the test extra)
#
# Prints what it does only when it has something to do.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
MODE="${1:-run}"
VENV="$ROOT/.venv"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

# Debian's system Python is used for the venv: with python3-tk and python3-venv from apt
# it has Tk and ensurepip on every Debian 12 machine.  PIANOLA_PYTHON overrides it.
PY="${PIANOLA_PYTHON:-/usr/bin/python3}"

# fonts-dejavu-core: the monospaced family the window shows changing numbers in
# gcc, libc6-dev: the engine builds its small C audio callback (per-track level meters) once
run_pkgs=(python3 python3-venv python3-tk libfluidsynth3 libportaudio2 jackd2 fonts-dejavu-core
          gcc libc6-dev)
# iproute2 and util-linux (unshare): the Link tests run in a private network namespace
test_pkgs=(xvfb xauth xdotool imagemagick x11-utils iproute2 util-linux)

pkgs=("${run_pkgs[@]}")
if [ "$MODE" = "test" ]; then pkgs+=("${test_pkgs[@]}"); fi

missing=()
for p in "${pkgs[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    echo "pianola: installing Debian packages: ${missing[*]}" >&2
    $SUDO apt-get update -q >&2
    # jackd2 asks about realtime priority; the default answer is fine for us.
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
        "${missing[@]}" >&2
fi

if [ ! -x "$VENV/bin/python" ] || ! "$VENV/bin/python" -c "import tkinter" 2>/dev/null; then
    echo "pianola: creating the virtual environment in .venv" >&2
    rm -rf "$VENV"
    "$PY" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip >&2
fi

# Reinstall only when the package description changed (or the extra is new).
extra=""
if [ "$MODE" = "test" ]; then extra="[test]"; fi
stamp="$VENV/.pianola-installed$extra"
want="$(cat "$ROOT/setup.cfg" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "pianola: installing Pianola${extra} into .venv" >&2
    "$VENV/bin/python" -m pip install -q -e "$ROOT$extra" >&2
    echo "$want" > "$stamp"
fi
