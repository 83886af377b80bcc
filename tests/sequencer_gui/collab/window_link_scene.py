"""The real window joined to a live session with Link on, next to a Link app of the
scene's own (run by ``netns.run_isolated`` inside a private network namespace, on the
test's Xvfb display; prints one JSON line).  Argument: where to write a screenshot."""

from __future__ import annotations

import contextlib
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from engine.core.score import LoopRegion, Note, Score, Track
from tests.engine.sync.link_scene import let_the_peer_lead, new_peer

FONT = Path(__file__).resolve().parents[3] / "assets" / "pianola.sf2"


def song() -> Score:
    notes = (Note(0, 240, 60), Note(480, 240, 64))
    return Score(tracks=(Track("Piano", notes=notes),), loop=LoopRegion(0, 1920), loop_enabled=True)


def scene(screenshot: str) -> dict:
    import tkinter as tk

    from engine.collab.connection import create_room
    from engine.collab.peer import Peer
    from engine.core.audio_settings import AudioSettings
    from sequencer_gui.app import MainWindow
    from tests.engine.collab.conftest import ServerProcess

    report: dict = {}
    rooms = Path(tempfile.mkdtemp(prefix="pianola-window-link-")) / "rooms"
    rooms.mkdir()
    with contextlib.ExitStack() as stack:  # whatever fails, nothing is left running
        server = ServerProcess(rooms).start()
        stack.callback(server.stop)
        link_app = new_peer()  # 97 BPM: another Link app on the network, there first
        stack.callback(setattr, link_app, "enabled", False)
        link = create_room(server.url, timeout_s=30.0)  # a busy machine's server is slow
        host = Peer(link, "Ann", score=song())
        stack.callback(host.leave)
        root = tk.Tk()
        stack.callback(root.destroy)
        root.geometry("1200x760+0+0")
        settings = AudioSettings(driver="none", soundfont=str(FONT))
        window = MainWindow(root, settings=settings, realtime=False)
        stack.callback(window.close)
        stack.callback(window.session.leave)
        look(root, window, host, link_app, link.url, screenshot, report)
    print(json.dumps(report))
    return report


def look(root, window, host, link_app, url: str, screenshot: str, report: dict) -> None:
    """Join ``url`` in the window, turn Link on, have the Link app change the tempo; what
    the window shows, in ``report``."""

    def until(condition, seconds: float = 30.0) -> bool:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            root.update()
            host.pump()  # the host has no engine: its commands go nowhere
            if condition():
                return True
            time.sleep(0.005)
        return False

    def label() -> str:
        return window.session.label.cget("text")

    def inside_window(widget) -> bool:
        """Mapped, given all the width it asks for, and within the window's right edge."""
        right = widget.winfo_rootx() + widget.winfo_width()
        return (
            bool(widget.winfo_ismapped())
            and widget.winfo_width() >= widget.winfo_reqwidth()
            and right <= root.winfo_rootx() + root.winfo_width()
        )

    report["engine_ready"] = until(lambda: window.link.state == "ready")
    report["joined"] = window.session.join(url)
    report["song_arrived"] = until(lambda: window.document.score == song())
    let_the_peer_lead(link_app)
    window.link_button.invoke()  # Link on, as the musician presses it
    report["link_leads_97"] = until(lambda: "Link leads at 97.00 BPM" in label())
    report["label_97"] = label()
    root.update()
    report["session_line_shown"] = inside_window(window.session.label)
    report["link_button_shown"] = inside_window(window.link_button)
    report["position_shown"] = inside_window(window.transport.position)
    # the Link app changes the tempo: the window's session follows it
    state = link_app.captureAppSessionState()
    state.setTempo(133.0, link_app.clock().micros())
    link_app.commitAppSessionState(state)
    report["link_leads_133"] = until(lambda: "Link leads at 133.00 BPM" in label())
    report["label_133"] = label()
    found = re.search(r"offset ([+-][0-9.]+) ms", label())
    report["offset_ms"] = float(found.group(1)) if found else None
    report["host_tempo_133"] = until(
        lambda: round(host.song.score().tempo_map.changes[0].bpm, 2) == 133.0
    )
    report["link_button"] = window.link_button.cget("text")
    root.update()
    shot = subprocess.run(["import", "-window", "root", screenshot], capture_output=True, text=True)
    report["screenshot"] = shot.returncode == 0 and Path(screenshot).stat().st_size > 0
    report["screenshot_error"] = shot.stderr[-500:]


if __name__ == "__main__":
    scene(sys.argv[1])
