"""Make docs/img/steps-grid.png and steps-song.png: the real window playing a song whose
drums are patterns, through the real engine on the silent "none" driver, grabbed with
ImageMagick's `import`.

Run by make-screenshots.sh (which provides the X display) as
``python docs/img/steps_screenshots.py OUT_DIR``.  The window runs in this process, so
it is driven directly rather than through xdotool.
"""

import subprocess
import sys
import tempfile
import time
import tkinter as tk
from pathlib import Path

from engine.core.audio_settings import AudioSettings
from engine.files.project_file import load_project
from sequencer_gui.app import MainWindow
from sequencer_gui.document import Document

sys.path.insert(0, str(Path(__file__).parent))
from steps_song import main as write_song  # noqa: E402


def pump(root, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        root.update()
        time.sleep(0.005)


def grab(root, path: Path) -> None:
    root.update()
    # the wrapper window: the menu bar included
    subprocess.run(["import", "-window", root.wm_frame(), str(path)], check=True)


def main(out: Path) -> None:
    song = Path(tempfile.mkdtemp()) / "steps.pianola"
    write_song(str(song))
    root = tk.Tk(className="Pianola")
    root.geometry("1440x880+0+0")
    settings = AudioSettings(driver="none", soundfont="assets/pianola.sf2")
    window = MainWindow(root, Document(load_project(song), song), settings, realtime=False)
    try:
        end = time.monotonic() + 60
        while window.link.state == "starting" and time.monotonic() < end:
            root.update()
            time.sleep(0.01)
        window.steps.show(1)
        pump(root, 0.5)
        window.playback.play()
        pump(root, 2.3)
        grab(root, out / "steps-grid.png")
        song_view = window.steps.song
        window.steps.show(2)
        song_view.zoom(1.25)  # bars wide enough for each placement's preview of its notes
        song_view.zoom(1.25)
        pump(root, 4.0)
        # two placements of the second row selected, as after a Shift+click
        score = window.document.score
        song_view.select([p.id for p in score.placements if p.start_tick > 0][:2])
        grab(root, out / "steps-song.png")
        window.playback.stop()
        pump(root, 0.3)
    finally:
        window.close()
        root.destroy()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
