"""File > Share session / Join session / Leave session, the peer list and the session's
coherence in the status bar (GUI thread).

Share asks for a session server (http://HOST:PORT), opens a room there with the song as
it is, and puts the link on the clipboard to pass on; Join asks for a link and replaces
the document with the session's song (after the usual unsaved-work question).  Leaving
keeps the song as it stands in the window.  A server that goes away is said in the
status bar; editing goes on with the local copy and the session resumes when it is back.
"""

from __future__ import annotations

import os
import tkinter as tk
from tkinter import simpledialog, ttk

from engine.core.errors import PianolaError
from sequencer_gui.collab.peer_marks import PeerMarks
from sequencer_gui.collab.step_marks import StepPeerMarks
from sequencer_gui.collab.window_session import step_grid
from sequencer_gui.document import empty_score

DEFAULT_SERVER = "http://127.0.0.1:8765"
PEERS_REFRESH_MS = 1000


class SessionControls:
    """What ``mount`` added: the menu entries, the status label, the current session."""

    def __init__(self, window):
        self.window = window
        self.current = None  # a WindowSession while in a session
        self.marks = PeerMarks(window.roll)
        window.roll.overlays.append(self.marks)
        grid = step_grid(window)
        self.step_marks = StepPeerMarks(grid) if grid is not None else None
        # the session's own line over the status bar, shown while in a session: its
        # figures beside the status bar's would cut them or the messages in a narrow window
        self.line = ttk.Frame(window.root, padding=(6, 0))
        self.label = ttk.Label(self.line, text="", anchor="w")
        self.label.pack(side="left", fill="x", expand=True)
        self.peers_window: tk.Toplevel | None = None
        self.event_log_path = os.environ.get("PIANOLA_EVENT_LOG") or None
        self._last_text = ""
        self._was_connected = True
        self._drops = 0

    # --- menu commands -------------------------------------------------------------------
    def share(self, server: str | None = None) -> str | None:
        """Open a room on a server with the window's song; the link (also on the clipboard)."""
        from engine.collab.connection import create_room

        if self.current is not None:
            self.window.set_status("Already in a session: leave it first.")
            return None
        if server is None:
            server = simpledialog.askstring(
                "Share session",
                "Session server:",
                initialvalue=DEFAULT_SERVER,
                parent=self.window.root,
            )
            if not server:
                return None
        try:
            link = create_room(server.strip())
        except PianolaError as exc:
            self.window.set_status(f"Could not share: {exc}.")
            return None
        self._start(link, share=True)
        root = self.window.root
        root.clipboard_clear()
        root.clipboard_append(link.url)
        self.window.set_status("Sharing: the session link is on the clipboard; pass it on.")
        return link.url

    def join(self, text: str | None = None) -> bool:
        from engine.collab.connection import SessionLink

        if self.current is not None:
            self.window.set_status("Already in a session: leave it first.")
            return False
        if text is None:
            text = simpledialog.askstring("Join session", "Session link:", parent=self.window.root)
            if not text:
                return False
        try:
            link = SessionLink.parse(text)
        except PianolaError as exc:
            self.window.set_status(f"{exc}.")
            return False
        # the session's song replaces this one: New asks about unsaved work first
        window = self.window
        window.new_document()
        if window.document.path is not None or window.document.score != empty_score():
            return False  # the musician kept the song they had
        self._start(link, share=False)
        self.window.set_status("Joining the session…")
        return True

    def leave(self) -> None:
        if self.current is None:
            return
        session, self.current = self.current, None
        session.leave()
        self.marks.show(())
        if self.step_marks is not None:
            self.step_marks.show(())
        self.label.configure(text="")
        self.line.pack_forget()
        self.window.set_status("Left the session; the song stays here as it is.")
        self._update_menu()

    def _start(self, link, *, share: bool) -> None:
        from engine.collab.peer import Peer
        from sequencer_gui.collab.window_session import WindowSession

        window = self.window
        log = open(self.event_log_path, "w", encoding="utf-8") if self.event_log_path else None  # noqa: SIM115
        name = os.environ.get("PIANOLA_NAME") or os.environ.get("USER") or "Pianola"
        peer = Peer(link, name, score=window.document.score if share else None, event_log=log)
        if not share:
            window.playback.stop()
        self.current = WindowSession(window, peer, on_status=self._on_status)
        self.line.pack(side="bottom", fill="x", after=window.status)
        self._was_connected = True
        self._drops = 0
        self._update_menu()

    # --- status, marks, peers -------------------------------------------------------------
    def _on_status(self, session) -> None:
        peer = session.peer
        status = peer.session.status
        while peer.notices:
            notice = peer.notices.pop(0)
            self.window.set_status(f"{notice[:1].upper()}{notice[1:]}.")
        if status.refused:
            self.window.set_status(
                f"{status.refused[:1].upper()}{status.refused[1:]}; left the session."
            )
            self.leave()
            return
        if status.drops > self._drops:  # (gone and back between two looks: said too)
            self._drops = status.drops
            if self._was_connected:  # once per outage, however often a reconnect fails
                self.window.set_status(
                    "The session server went away; editing goes on with the local copy."
                )
            self._was_connected = False
        if status.synced and not self._was_connected:  # the server itself answered again
            self._was_connected = True
            self.window.set_status("Back in the session.")
        c = peer.coherence_status()
        peers = len(peer.session.peers()) + 1
        text = f"Session: {peers} peers"
        if c["link_leads"]:  # the session's re-aligner stands aside meanwhile
            text += f" · Link leads at {c['link_bpm']:.2f} BPM"  # before the details
        if c["offset_ms"] is None:
            text += " · measuring the clock…"
        else:
            text += (
                f" · incoherent {c['incoherent']} · offset {c['offset_ms']:+.1f} ms"
                f" ± {c['spread_ms']:.1f} · ahead {c['ahead_ms']:.0f} ms"
            )
        if not status.connected:
            text = f"Session: offline ({peers - 1} peers last seen)"
        if text != self._last_text:
            self._last_text = text
            self.label.configure(text=text)
        self.marks.show(session.marks())
        if self.step_marks is not None:
            self.step_marks.show(session.step_marks())

    def show_peers(self) -> None:
        if self.peers_window is not None and self.peers_window.winfo_exists():
            self.peers_window.lift()
            return
        top = tk.Toplevel(self.window.root)
        top.title("Session peers")
        tree = ttk.Treeview(top, columns=("name", "rtt"), show="headings", height=8)
        tree.heading("name", text="Musician")
        tree.heading("rtt", text="Round trip")
        tree.column("rtt", width=100, anchor="e")
        tree.pack(fill="both", expand=True, padx=6, pady=6)
        self.peers_window = top
        self.peers_tree = tree
        self._refresh_peers()

    def peer_rows(self) -> list[tuple[str, str, str]]:
        """(name, round trip, colour) of this peer and every other, for the list."""
        if self.current is None:
            return []
        peer = self.current.peer
        me = peer.clock
        rows = [
            (
                f"{peer.session.name} (you)",
                f"{me.rtt_ms:.0f} ms" if me else "…",
                peer.session.colour,
            )
        ]
        for other in peer.session.peers():
            rtt = "…" if other.rtt_ms is None else f"{other.rtt_ms:.0f} ms"
            rows.append((other.name, rtt, other.colour))
        return rows

    def _refresh_peers(self) -> None:
        top = self.peers_window
        if top is None or not top.winfo_exists():
            return
        tree = self.peers_tree
        rows = self.peer_rows()
        items = tree.get_children()
        for i, (name, rtt, colour) in enumerate(rows):
            tag = f"c{colour}"
            tree.tag_configure(tag, foreground=colour)
            if i < len(items):
                tree.item(items[i], values=(name, rtt), tags=(tag,))
            else:
                tree.insert("", "end", values=(name, rtt), tags=(tag,))
        for item in items[len(rows) :]:
            tree.delete(item)
        top.after(PEERS_REFRESH_MS, self._refresh_peers)

    def add_to_file_menu(self) -> None:
        """The session entries, above Quit (again after the File menu is rebuilt)."""
        menu = self.window.menus["file"]
        at = menu.index("end")  # Quit: the session entries go above it
        labels = (
            ("share", "Share Session…", self.share),
            ("join", "Join Session…", self.join),
            ("leave", "Leave Session", self.leave),
            ("peers", "Session Peers…", self.show_peers),
        )
        self.entries = {}
        for offset, (key, label, command) in enumerate(labels):
            menu.insert_command(at + offset, label=label, command=lambda c=command: c())
            self.entries[key] = at + offset
        menu.insert_separator(at + len(labels))
        self.menu = menu
        self._update_menu()

    def _update_menu(self) -> None:
        menu = self.menu
        in_session = self.current is not None
        menu.entryconfigure(self.entries["share"], state="disabled" if in_session else "normal")
        menu.entryconfigure(self.entries["join"], state="disabled" if in_session else "normal")
        menu.entryconfigure(self.entries["leave"], state="normal" if in_session else "disabled")
        menu.entryconfigure(self.entries["peers"], state="normal" if in_session else "disabled")


def mount(window) -> SessionControls:
    """Add the session entries to the File menu (before Quit) and the status label."""
    controls = SessionControls(window)
    controls.add_to_file_menu()
    return controls
