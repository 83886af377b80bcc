"""`pianola [FILE] [--driver D] [--soundfont SF2] [--jack-server NAME]`: open the window (main thread).

With no file the window opens on an empty song.  A file that cannot be read ends the
command with one sentence (exit 1) before any window appears; an engine that cannot
start (no JACK server, missing SoundFont, unknown driver, a driver that will not open)
does not: the window opens, says why in one dialog and in its status bar, and editing
works without sound.
"""

from __future__ import annotations

import argparse
import json
import os

from engine.core.audio_settings import KNOWN_DRIVERS

# For automation (the end-to-end tests and `pianola bench gui`): when set, the window
# writes where its note grid is on the screen to this file once audio is ready (or has
# failed), so `xdotool` can click a given tick and pitch.
LAYOUT_ENV = "PIANOLA_LAYOUT_FILE"


def _report_layout_when_ready(window, path: str) -> None:
    def check():
        if window.link.state == "starting":
            window.root.after(50, check)
            return
        # No update_idletasks() here: an idle callback may be the audio-failure dialog,
        # whose own event loop would hold this report back until someone closes it.
        # The window has been laid out by now (mainloop ran its idle tasks long since).
        c, g = window.roll.canvas, window.roll.geometry
        layout = {
            "grid_root_x": c.winfo_rootx(),
            "grid_root_y": c.winfo_rooty(),
            "scroll_x_px": g.scroll_x_px,
            "scroll_y_px": g.scroll_y_px,
            "pixels_per_quarter": g.pixels_per_quarter,
            "key_height_px": g.key_height_px,
            "ppq": g.ppq,
            # screen y of the middle of each ruler lane, and of the bar row
            "ruler_rows": {
                name: window.roll.ruler.canvas.winfo_rooty() + (top + bottom) // 2
                for name, (top, bottom) in {
                    **window.roll.ruler.lanes.rows,
                    "bar": (window.roll.ruler.bar_top, window.roll.ruler.height),
                }.items()
            },
            "engine": window.link.state,
            "error": window.link.error,
        }
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(layout, f)
        os.replace(tmp, path)

    window.root.after(200, check)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", nargs="?", help="a .pianola song or a .mid file to open")
    parser.add_argument(
        "--driver", default="auto", help=f"audio driver: {', '.join(KNOWN_DRIVERS)} (default auto)"
    )
    parser.add_argument("--soundfont", metavar="SF2", help="the SoundFont to play with")
    parser.add_argument("--jack-server", metavar="NAME", help="the JACK server to connect to")
    parser.add_argument(
        "--geometry", metavar="WxH[+X+Y]", help="window size and position, as X11 programs take it"
    )
    parser.add_argument(
        "--no-realtime", action="store_true", help="do not ask for realtime priority for the engine"
    )
    parser.add_argument("--join", metavar="LINK", help="join the live session of this link")
    parser.add_argument(
        "--event-log",
        metavar="FILE",
        help="in a session, write every scheduled event as a JSON line",
    )


def run(args) -> int:
    import tkinter as tk

    from engine.audio.library_log import route_library_output
    from engine.core.errors import PianolaError
    from sequencer_gui.app import MainWindow
    from sequencer_gui.document import Document
    from sequencer_gui.files import commands as files
    from sequencer_gui.settings.preferences import PreferencesStore, settings_for_start

    # The engine process inherits descriptor 2: FluidSynth's and JACK's messages (and
    # Tk's own) go to the library log; Python's sys.stderr keeps the terminal.
    route_library_output("pianola window")
    prefs = PreferencesStore()  # never raises: a damaged file gives defaults + a warning
    document = Document()
    root = tk.Tk(className="Pianola")
    if args.geometry:
        root.geometry(args.geometry)
    engine_error: str | None = None  # why no engine can start, said in the window
    try:
        # the command line wins over the preferences
        settings = settings_for_start(
            prefs.preferences,
            driver=args.driver,
            soundfont=args.soundfont,
            jack_server=args.jack_server,
        )
    except PianolaError as exc:
        settings, engine_error = None, str(exc)
    window = MainWindow(
        root,
        document,
        settings,
        realtime=not args.no_realtime and prefs.preferences.realtime_priority,
        theme=prefs.preferences.theme,
    )
    if args.file:
        try:
            window.open_path(args.file)
        except PianolaError:
            window.close()
            root.destroy()
            raise
    # File menu with recent files and exports, autosave + crash recovery, engine restarts
    files.install(window, prefs)
    window.session.add_to_file_menu()  # the File menu was rebuilt: the session's entries again
    if os.environ.get(LAYOUT_ENV):
        _report_layout_when_ready(window, os.environ[LAYOUT_ENV])
    if engine_error:  # e.g. an unknown --driver: one dialog, as for any audio failure
        window.link.fail(engine_error)
    window.session.event_log_path = args.event_log
    if args.join:
        root.after_idle(lambda: window.session.join(args.join))
    try:
        root.mainloop()
    finally:
        window.close()
    return 0
