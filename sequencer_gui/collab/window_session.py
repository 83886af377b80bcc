"""The window in a live session (GUI thread): the document follows the shared song,
the engine is driven by the session peer, Undo undoes one's own edits only.

Every 20 ms the session is pumped: what the peer says the engine must do is sent to it;
the shared song, when it changed, is shown in the document without an undo step (only
the tracks that changed are rebuilt, and the roll redraws only notes that changed).  A
local edit is noticed as a document score the session has not seen; it is written to
the shared song relative to what the edit started from, so edits that arrived meanwhile
from others are kept.  While a drag is under way, remote changes wait for its end.
"""

from __future__ import annotations

from engine.core.protocol import commands as cmd
from engine.core.score import Score

PUMP_MS = 20
PRESENCE_MS = 250


class SessionTransport:
    """The engine link as the window's playback sees it during a session: play, stop and
    locate go to the session's shared transport; the rest to the engine link."""

    def __init__(self, link, peer):
        self._link = link
        self._peer = peer
        self.following = False  # True while the playback is told of a remote change

    def __getattr__(self, name):
        return getattr(self._link, name)

    def play(self, tick=None, count_in_bars: int = 0, record: bool = False) -> None:
        # the shared transport starts at once: a count-in is not the others' to hear
        if not self.following:
            self._peer.play(tick)

    def stop(self) -> None:
        if not self.following:
            self._peer.stop()

    def locate(self, tick: int) -> None:
        if not self.following:
            self._peer.locate(tick)


class WindowSession:
    """See module doc.  ``peer`` is an ``engine.collab.peer.Peer`` made for this window."""

    def __init__(self, window, peer, *, on_status=None):
        self.window = window
        self.peer = peer
        self.on_status = on_status
        self.document = window.document
        self.shown: Score = self.document.score  # the document score the session knows
        self.base: Score = peer.song.score()  # the shared song that score came from
        self.transport = SessionTransport(window.link, peer)
        self._real_link = window.playback.link
        window.playback.link = self.transport
        window.link.sends_edits = False  # the engine hears the session's versions
        # in a session, Undo and Redo undo this musician's own edits only
        self.document.undo = self.undo
        self.document.redo = self.redo
        window.link.listeners.append(self._on_engine_event)
        if peer.event_log is not None:
            window.link.send(cmd.ReportScheduledCommand(True))
        self._playing = False
        self._last_presence = None
        self._after = window.root.after(PUMP_MS, self._tick)
        self.closed = False

    # --- the periodic work -------------------------------------------------------------
    def _tick(self) -> None:
        self._after = None
        if self.closed:
            return
        doc = self.document
        if doc.score is not self.shown and not doc.history.in_gesture:
            self.peer.edit(doc.score, base=self.base)  # a local edit
            self.shown = doc.score
            self.base = self.peer.song.score()
        for command in self.peer.pump():
            self.window.link.send(command)
        current = self.peer.song.score()
        if current is not self.base and not doc.history.in_gesture:
            self.base = current
            if current != doc.score:
                doc.show_remote(current)
            self.shown = doc.score
        self._follow_transport()
        self._publish_presence()
        if self.on_status is not None:
            self.on_status(self)
        self._after = self.window.root.after(PUMP_MS, self._tick)

    def _follow_transport(self) -> None:
        playing = self.peer.transport.playing
        if playing == self._playing:
            return
        self._playing = playing
        playback = self.window.playback
        self.transport.following = True
        try:
            if playing and not playback.playing:
                playback.play()
            elif not playing and playback.playing:
                playback.stop()
        finally:
            self.transport.following = False

    def _publish_presence(self) -> None:
        roll = self.window.roll
        song = self.peer.song
        ids = song.track_ids()
        track = roll.track_index
        if track >= len(ids):
            return
        selected = set(roll.selection)
        chosen = sorted(e.id for e in song.note_entries(track) if e.note in selected)
        hover = getattr(roll, "hover_key", None)
        cursor = [ids[track], roll.cursor_tick, hover if isinstance(hover, int) else 60]
        step = self._step_cursor()
        presence = (tuple(chosen), tuple(cursor), step)
        if presence != self._last_presence:
            self._last_presence = presence
            self.peer.session.set_presence(
                selection=chosen, cursor=cursor, step=list(step) if step else None
            )

    def _step_cursor(self) -> tuple[str, str, int] | None:
        """(pattern id, lane id, step) of the step grid's cursor, if it shows a pattern."""
        grid = step_grid(self.window)
        pattern = grid.pattern if grid is not None else None
        if pattern is None or not pattern.lanes:
            return None
        lane, step = grid.cursor
        return pattern.id, pattern.lanes[min(lane, len(pattern.lanes) - 1)].id, step

    def step_marks(self):
        """(peer id, colour, lane id, step, name) of every peer whose step grid's cursor is
        on the pattern this window's grid shows."""
        grid = step_grid(self.window)
        pattern = grid.pattern if grid is not None else None
        if pattern is None:
            return
        for peer in self.peer.session.peers():
            spot = peer.state.get("step")
            if not isinstance(spot, list) or len(spot) != 3 or spot[0] != pattern.id:
                continue
            if isinstance(spot[2], int) and not isinstance(spot[2], bool):
                yield peer.client_id, peer.colour, str(spot[1]), spot[2], peer.name

    def marks(self):
        """(peer id, colour, selected notes on the roll's track, cursor, name) of every
        peer."""
        song = self.peer.song
        ids = song.track_ids()
        track = self.window.roll.track_index
        track_id = ids[track] if track < len(ids) else None
        for peer in self.peer.session.peers():
            notes = []
            for note_id in peer.state.get("selection") or ():
                entry = song.note_entry(str(note_id))
                if entry is not None and entry.track_id == track_id:
                    notes.append(entry.note)
            cursor = peer.state.get("cursor")
            spot = None
            if isinstance(cursor, list) and len(cursor) == 3 and cursor[0] == track_id:
                try:
                    spot = (int(cursor[1]), max(0, min(127, int(cursor[2]))))
                except (TypeError, ValueError):
                    spot = None
            yield peer.client_id, peer.colour, tuple(notes), spot, peer.name

    # --- undo: one's own edits ----------------------------------------------------------
    def undo(self) -> bool:
        done = self.peer.undo()
        self._tick_soon()
        return done

    def redo(self) -> bool:
        done = self.peer.redo()
        self._tick_soon()
        return done

    def _tick_soon(self) -> None:
        if self._after is not None:
            self.window.root.after_cancel(self._after)
        self._after = self.window.root.after_idle(self._tick)

    def _on_engine_event(self, event) -> None:
        self.peer.on_engine_event(event)

    # --- leaving --------------------------------------------------------------------------
    def leave(self) -> Score:
        """Leave the session; the document keeps the song as it stands (a local copy)."""
        self.closed = True
        if self._after is not None:
            self.window.root.after_cancel(self._after)
            self._after = None
        score = self.peer.leave()
        window = self.window
        window.playback.link = self._real_link
        window.playback.stop()  # the session's transport is not this window's any more
        window.link.sends_edits = True  # edits go straight to the engine again
        del self.document.undo
        del self.document.redo
        if self._on_engine_event in window.link.listeners:
            window.link.listeners.remove(self._on_engine_event)
        if self.peer.event_log is not None:
            window.link.send(cmd.ReportScheduledCommand(False))
            self.peer.event_log.close()
        if score != self.document.score:
            self.document.show_remote(score)
        window.link.replace_score(self.document.score)
        return score


def step_grid(window):
    """The window's step grid, when the window has the step views."""
    steps = getattr(window, "steps", None)
    return getattr(getattr(steps, "panel", None), "grid_view", None)
