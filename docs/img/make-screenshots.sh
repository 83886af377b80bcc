#!/usr/bin/env bash
# Remake docs/img/pianola.png and pianola-drums.png: the real window under a private Xvfb,
# playing the demo song on a private dummy JACK server, driven with xdotool and grabbed
# with ImageMagick's `import`.  Look at the PNGs afterwards: a layout change moves the
# clicks below (track radio buttons, the ruler).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/docs/img"
TMP="$(mktemp -d)"
Xvfb :97 -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 & XVFB=$!
JACK_NO_AUDIO_RESERVATION=1 jackd --no-realtime -n pianola-shots -d dummy -r 48000 -p 256 \
    >/dev/null 2>&1 & JACKD=$!
trap 'kill $XVFB $JACKD 2>/dev/null || true; rm -rf "$TMP"' EXIT
export DISPLAY=:97
sleep 1

shot() {  # shot OUT.png "xdotool actions once the window is ready"
    rm -f "$TMP/layout.json"
    PIANOLA_LAYOUT_FILE="$TMP/layout.json" "$ROOT/.venv/bin/pianola" "$ROOT/assets/demo.pianola" \
        --driver jack --jack-server pianola-shots --no-realtime --geometry 1440x880+0+0 \
        >"$TMP/pianola.log" 2>&1 & local app=$!
    for _ in $(seq 200); do [ -f "$TMP/layout.json" ] && break; sleep 0.1; done
    local wid
    wid=$(xdotool search --sync --onlyvisible --name "demo.pianola" | head -1)
    eval "$2"
    import -window "$wid" "$1"
    kill $app; wait $app 2>/dev/null || true
}

# Piano track, zoomed out twice, playing from bar 2 (a lit note under the cursor).
shot "$OUT/pianola.png" "sleep 0.3; xdotool mousemove 13 139 click 1; sleep 0.3;
    xdotool mousemove 900 500 key ctrl+minus key ctrl+minus; sleep 0.3;
    xdotool mousemove 560 80 click 1; sleep 0.2; xdotool mousemove 900 500 key space; sleep 3;
    xdotool mousemove 1000 620"
# Drum track: GM drum names on the keyboard.
shot "$OUT/pianola-drums.png" "sleep 0.3; xdotool mousemove 13 281 click 1; sleep 0.3;
    xdotool mousemove 900 500 click 5 click 5 click 5 click 5; sleep 0.3;
    xdotool mousemove 560 80 click 1; sleep 0.2; xdotool mousemove 900 500 key space; sleep 2.2;
    xdotool mousemove 1000 700"
echo "wrote $OUT/pianola.png $OUT/pianola-drums.png"
