#!/usr/bin/env bash
# Remake the window's screenshots in docs/img: the real window under a private Xvfb,
# playing the demo song through the real engine on the silent "none" driver (it plays,
# lights notes and drives the level meter like any other output), driven with xdotool (mostly by
# keyboard shortcuts, so a layout change does not move the clicks) and grabbed with
# ImageMagick's `import`.  Look at the PNGs afterwards.
#   pianola.png        the default (dark) theme, playing: lit notes, cursor, level meter
#   pianola-light.png  the light theme, the same moment
#   pianola-drums.png  a drum track as a drum map
#   pianola-tempo.png  tempo and meter changes in the ruler's lanes
#   pianola-scale.png  C major highlighted, rows out of the scale shaded
#   steps-grid.png     the step grid of a drum pattern, playing
#   steps-song.png     the song view: the drums' patterns placed bar by bar
#   user-guide-file-menu.png, -preferences.png, -export.png, -unsaved.png, -restore.png
#                      the File menu and the dialogs, in the default theme
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
OUT="$ROOT/docs/img"
TMP="$(mktemp -d)"
DISPLAY_NUM="${PIANOLA_SHOT_DISPLAY:-:97}"  # another free display if :97 is taken
Xvfb "$DISPLAY_NUM" -screen 0 1600x1000x24 -nolisten tcp >/dev/null 2>&1 & XVFB=$!
trap 'kill $XVFB 2>/dev/null || true; rm -rf "$TMP"' EXIT
export DISPLAY="$DISPLAY_NUM"
sleep 1

shot() {  # shot OUT.png THEME "xdotool actions once the window is ready"
    rm -f "$TMP/layout.json"
    mkdir -p "$TMP/config-$2"
    echo "{\"theme\": \"$2\"}" > "$TMP/config-$2/preferences.json"
    PIANOLA_CONFIG_DIR="$TMP/config-$2" PIANOLA_STATE_DIR="$TMP/state" PIANOLA_NO_RECOVERY_PROMPT=1 \
    PIANOLA_LAYOUT_FILE="$TMP/layout.json" "$ROOT/.venv/bin/pianola" "$ROOT/assets/demo.pianola" \
        --driver none --no-realtime --geometry 1440x880+0+0 \
        >"$TMP/pianola.log" 2>&1 & local app=$!
    for _ in $(seq 200); do [ -f "$TMP/layout.json" ] && break; sleep 0.1; done
    local wid
    wid=$(xdotool search --sync --onlyvisible --name "demo.pianola" | head -1)
    # where things are, for the few clicks: the note grid and the ruler's rows
    GX=$(python3 -c "import json; print(json.load(open('$TMP/layout.json'))['grid_root_x'])")
    TEMPO_Y=$(python3 -c "import json; print(json.load(open('$TMP/layout.json'))['ruler_rows']['tempo'])")
    METER_Y=$(python3 -c "import json; print(json.load(open('$TMP/layout.json'))['ruler_rows']['meter'])")
    sleep 0.5
    xdotool mousemove 900 500 click 1 key Escape  # the roll takes the keyboard
    eval "$3"
    import -window "$wid" "$1"
    kill $app; wait $app 2>/dev/null || true
}

go_to() { xdotool key ctrl+g; xdotool type "$1"; xdotool key Return; sleep 0.2; }
PLAYING='xdotool key ctrl+minus ctrl+minus; go_to 5; xdotool key space; sleep 2.6; xdotool mousemove 1000 640'

shot "$OUT/pianola.png" dark "$PLAYING"
shot "$OUT/pianola-light.png" light "$PLAYING"
# Drums are the fifth track: Alt+Down from the piano (the second) three times.
shot "$OUT/pianola-drums.png" dark "xdotool key alt+Down alt+Down alt+Down; sleep 0.3;
    go_to 5; xdotool key space; sleep 2.2; xdotool mousemove 1000 700"
# A 3/4 bar from bar 4 added in the meter lane, a tempo change in bar 3 (added at the
# cursor, typed) and one in bar 5 added by a double-click in the tempo lane.
# (51.2 pixels a quarter after one zoom out; bar 5 is 15 quarters in, after the 3/4.)
shot "$OUT/pianola-tempo.png" dark "xdotool key ctrl+minus;
    X4=\$(( GX + 12 * 512 / 10 + 2 )); xdotool mousemove \$X4 \$METER_Y click --repeat 2 --delay 80 1;
    sleep 0.4; xdotool key Down; sleep 0.3; xdotool key Up Return; sleep 0.3;
    go_to 3; xdotool key ctrl+shift+t ctrl+t; xdotool type 96; xdotool key Return; sleep 0.2;
    X5=\$(( GX + 15 * 512 / 10 + 2 )); xdotool mousemove \$X5 \$TEMPO_Y click --repeat 2 --delay 80 1;
    sleep 0.3; xdotool type 132; xdotool key Return; sleep 0.2; go_to 1; xdotool mousemove 1000 700"
# View > Scale > Major (root C): Alt+V, c opens the Scale menu.
shot "$OUT/pianola-scale.png" dark "xdotool key alt+v; sleep 0.3; xdotool key c; sleep 0.3;
    xdotool key Down Return; sleep 0.4; xdotool key alt+equal; sleep 0.3; xdotool mousemove 1000 700"
# The step grid and the song view: the demo song with its drums as patterns, playing; the
# window runs inside the script (docs/img/steps_screenshots.py, which can also be run on
# its own under any display to remake just these two).
(cd "$ROOT" && "$ROOT/.venv/bin/python" docs/img/steps_screenshots.py "$OUT")
# The File menu and the dialogs: docs/img/guide_screenshots.py, likewise runnable alone.
(cd "$ROOT" && "$ROOT/.venv/bin/python" docs/img/guide_screenshots.py "$OUT")
echo "wrote $OUT/pianola.png pianola-light.png pianola-drums.png pianola-tempo.png pianola-scale.png"
echo "wrote $OUT/steps-grid.png steps-song.png"
echo "wrote $OUT/user-guide-file-menu.png -preferences.png -export.png -unsaved.png -restore.png"
