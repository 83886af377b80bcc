"""The window's link to the engine process: commands out, events in through Tk's loop (GUI thread).

The link is the one owner of what the engine hears of the document: it listens to the
document itself and sends a new song whole (``LoadScoreCommand``) and each edit as the
new score (``ReplaceScoreCommand``, which carries the loop and the track mix too, so
they are never sent a second time as commands of their own).  Only what the document
does not hold goes as its own command: the transport, previews, a volume or pan slider
while it moves (the score gets its value on release).

Wraps an ``EngineClient`` so the rest of the window never waits for the engine and keeps
working with none: until the engine is ready, or when it could not start (no JACK
server, missing SoundFont, unknown driver), every command is dropped and ``error`` holds
one sentence for the status bar.  Events are read when the event pipe becomes readable,
via ``createfilehandler`` on the pipe's descriptor (and on the process sentinel, so a
death is seen even if something else still holds the pipe open), falling back to an
``after()`` poll where Tk has no file handlers (Windows).

Nothing here waits for an engine to start or to end, restarts included: a restart
starts the new process and returns, the window goes on being edited (the state is
"starting" again and ``restarting`` is true), and the new engine's ReadyEvent arrives
through Tk like the first one's.  The song as it is at that moment, the mix and the
transport are queued for it at once, edits made meanwhile follow in the same queue, and
the engine applies them all right after it is ready.

The link owns the engine's life: it starts it, sees it die, and its ``EngineKeeper``
(``sequencer_gui.engine_keeper``) decides on restarts, after the window's listeners have
seen each event.
"""

from __future__ import annotations

import tkinter
from typing import TYPE_CHECKING

from engine.core.audio_settings import AudioSettings
from engine.core.errors import PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.protocol.sender import CommandSender
from sequencer_gui.engine_keeper import EngineKeeper

if TYPE_CHECKING:
    from engine.realtime.client import EngineClient

POLL_MS = 20  # the fallback poll, only where createfilehandler is missing
DRAG_SEND_MS = 40  # mid-drag, at most one score per this long (see _send_score_soon)
SHUTDOWN_WAIT_MS = 3000  # an old engine that takes longer to end is stopped the hard way
MIN_PREVIEW_MS, MAX_PREVIEW_MS = 80, 1500


class EngineLink(CommandSender):
    """Start the engine, send it commands, hand its events to listeners."""

    def __init__(
        self, root: tkinter.Misc, document, settings: AudioSettings | None, *, realtime: bool = True
    ):
        self.root = root
        self.document = document
        self.settings = settings
        self.realtime = realtime
        self.client: EngineClient | None = None
        # off | starting | ready | failed | died | lost (the audio server went away:
        # the engine lives on in silence until the keeper reconnects it)
        self.state = "off"
        self.restarting = False  # "starting" again: a new engine replaces an old one
        self.ready: evt.ReadyEvent | None = None
        self.error: str | None = None
        self.late_events = 0
        self.xruns = 0
        self.listeners: list = []  # called with (event) for every engine event
        self._fds: list[int] = []
        self._poll_id: str | None = None
        self._shutdown_id: str | None = None  # the hard-stop timer while an old engine ends
        self._preview_offs: dict[tuple[int, int], str] = {}
        self._score_send_id: str | None = None
        # A live session sends the engine the shared song's versions itself; while it
        # does, the document's edits are not sent from here.
        self.sends_edits = True
        self.keeper = EngineKeeper(self)  # restarts after a death or new settings
        document.add_listener(self._on_document)

    # ------------------------------------------------------------------ lifetime
    def start(self) -> None:
        """Spawn the engine (returns at once); its ReadyEvent arrives through Tk."""
        if self.settings is None:
            self.state, self.error = "off", "Audio is off."
            return
        try:
            from engine.realtime.client import EngineClient

            client = self.client = EngineClient(self.settings, realtime=self.realtime).start()
        except PianolaError as exc:
            self.fail(str(exc))
            return
        self.state = "starting"
        self._watch()
        client.load_score(self.document.score)

    def _watch(self) -> None:
        """Wake on the engine's events and on its end (new descriptors for each engine)."""
        client = self.client
        try:
            if client is None:
                raise AttributeError("no engine client to watch")
            for fd in (client.event_fd, client.death_fd):
                self.root.tk.createfilehandler(fd, tkinter.READABLE, self._on_readable)
                self._fds.append(fd)
        except (AttributeError, tkinter.TclError):
            self._unwatch()
            self._poll_id = self.root.after(POLL_MS, self._poll)

    def _unwatch(self) -> None:
        for fd in self._fds:
            self.root.tk.deletefilehandler(fd)
        self._fds = []
        if self._poll_id is not None:
            self.root.after_cancel(self._poll_id)
            self._poll_id = None

    def restart(self) -> None:
        """Start a new engine and return at once (see the module docstring)."""
        if self.client is None:
            self.start()
            return
        self._unwatch()
        try:
            # the song as it is now: edits made while no engine could hear them count
            self.client.restart_nowait(self.document.score)
        except PianolaError as exc:
            self.fail(str(exc))
            return
        self.state, self.error, self.ready, self.restarting = "starting", None, None, True
        self._watch()

    def change_settings(self, settings: AudioSettings | None, *, realtime: bool) -> None:
        """Go on with new audio settings, never waiting: a running engine is asked to end
        and its successor started once it has (so a device it held is free by then)."""
        self.settings, self.realtime = settings, realtime
        client = self.client
        if client is None or settings is None or not client.is_alive():
            # nothing to wait for; a fresh client, so a dead engine's "playing" is not
            # taken up again (start() sends the document, its mix and loop included)
            self.close()
            self.start()
            return
        client.settings, client.realtime = settings, realtime
        self._unwatch()
        client.shutdown_nowait()
        self.state, self.error, self.ready, self.restarting = "starting", None, None, True
        try:  # its end makes the sentinel readable (the event pipe would only say EOF)
            self.root.tk.createfilehandler(
                client.death_fd, tkinter.READABLE, lambda fd, mask: self._old_engine_ended()
            )
            self._fds.append(client.death_fd)
        except (AttributeError, tkinter.TclError):
            pass  # the timer below still restarts it
        self._shutdown_id = self.root.after(SHUTDOWN_WAIT_MS, self._old_engine_ended)

    def _old_engine_ended(self) -> None:
        if self._shutdown_id is not None:
            self.root.after_cancel(self._shutdown_id)
            self._shutdown_id = None
        self.restart()  # stops the old one the hard way if it has not ended by now

    def close(self) -> None:
        self.keeper.stop_waiting()
        self._unwatch()
        self._cancel_score_send()
        if self._shutdown_id is not None:
            self.root.after_cancel(self._shutdown_id)
            self._shutdown_id = None
        self.restarting = False
        if self.client is not None:
            self.client.close()
            self.client = None
        self.state = "off"

    def fail(self, message: str) -> None:
        """Audio cannot start (e.g. an unknown driver): listeners hear it as a fatal error,
        so the status bar says why and the engine keeper shows its one dialog."""
        self.state, self.error = "failed", message
        self._tell(evt.ErrorEvent(message, fatal=True))

    # ------------------------------------------------------------------ the document
    def _on_document(self, document, reason: str) -> None:
        if reason == "load":
            self._cancel_score_send()
            self.load_score(document.score)
        elif reason == "edit":
            self._send_score_soon()

    def _send_score_soon(self) -> None:
        """Send the edited score once the current burst of events is handled.

        A drag changes the score on every mouse motion; coalescing them into one
        ReplaceScoreCommand per pass of the event loop keeps a big song from queueing
        copies on the pipe (and the previews behind them).
        """
        if self._score_send_id is None:
            if self.document.history.in_gesture:
                # mid-drag: at most one copy per DRAG_SEND_MS (the preview already sounds;
                # a 10 000-note song takes ~30 ms to pickle), the final one on release
                self._score_send_id = self.root.after(DRAG_SEND_MS, self._send_score)
            else:
                self._score_send_id = self.root.after_idle(self._send_score)

    def _send_score(self) -> None:
        self._score_send_id = None
        if self.sends_edits:
            self.replace_score(self.document.score)

    def _cancel_score_send(self) -> None:
        if self._score_send_id is not None:
            self.root.after_cancel(self._score_send_id)
            self._score_send_id = None

    # ------------------------------------------------------------------ events
    def _poll(self) -> None:
        self._poll_id = None
        self.drain()
        if self.client is not None and self.state in ("starting", "ready"):
            self._poll_id = self.root.after(POLL_MS, self._poll)

    def _on_readable(self, fd, mask) -> None:
        self.drain()

    def drain(self) -> None:
        """Hand every waiting event to the listeners (never blocks)."""
        if self.client is None:
            return
        for event in self.client.poll_events():
            if isinstance(event, evt.ReadyEvent):
                self.state, self.ready, self.error = "ready", event, None
            elif isinstance(event, evt.ErrorEvent) and event.fatal:
                self.state, self.error, self.restarting = "failed", event.message, False
            elif isinstance(event, evt.AudioLostEvent):
                self.state, self.error = "lost", event.message
            elif isinstance(event, evt.EngineDiedEvent):
                self.state, self.error, self.restarting = "died", event.message, False
                # The pipe's end and the sentinel stay readable for ever: stop watching.
                self._unwatch()
            elif isinstance(event, evt.LateEvent):
                self.late_events += event.count
            elif isinstance(event, evt.XrunEvent):
                self.xruns += event.count
            self._tell(event)
            if isinstance(event, evt.ReadyEvent):
                self.restarting = False  # only now: listeners may ask if it ends a restart

    def _tell(self, event) -> None:
        for listener in list(self.listeners):
            listener(event)
        # last, so what it tells the window (e.g. "restarted") is not overwritten
        self.keeper.on_event(event)

    # ------------------------------------------------------------------ commands
    @property
    def usable(self) -> bool:
        return self.client is not None and self.state in ("starting", "ready")

    def send(self, command) -> None:
        client = self.client
        if (
            client is not None
            and self.usable
            and not (self.restarting and isinstance(command, cmd.PreviewNoteOnCommand))
        ):
            # (a preview queued for an engine still opening would sound seconds late)
            client.send(command)

    def read_position(self):
        """The engine's ``Position`` (lock-free read), or None with no engine."""
        if self.client is None or self.state not in ("starting", "ready"):
            return None
        return self.client.read_position()

    def read_levels(self):
        """(left, right, windows) of the output's level meter, or None with no engine."""
        if self.client is None or self.state != "ready":
            return None
        return self.client.read_levels()

    def read_track_levels(self) -> list[float] | None:
        """Each track's peak over the same window, track 0 first, or None with no engine."""
        if self.client is None or self.state != "ready":
            return None
        return self.client.read_track_levels()

    def read_load(self) -> float | None:
        if self.client is None or self.state != "ready":
            return None
        return self.client.read_load()

    def preview(self, track_index: int, pitch: int, velocity: int, length_ticks: int) -> None:
        """Sound a note now and release it after its length (clamped to a short blip)."""
        if not self.usable or self.restarting:
            return
        key = (track_index, pitch)
        pending = self._preview_offs.pop(key, None)
        if pending is not None:  # the same key again: release first so it retriggers
            self.root.after_cancel(pending)
            self.preview_off(track_index, pitch)
        score = self.document.score
        # The first tempo is close enough for a preview blip's length.
        seconds = length_ticks * score.tempo_map.change_at(0).us_per_quarter / score.ppq / 1e6
        ms = int(min(MAX_PREVIEW_MS, max(MIN_PREVIEW_MS, seconds * 1000)))
        self.preview_on(track_index, pitch, velocity)

        def release():
            self._preview_offs.pop(key, None)
            self.preview_off(track_index, pitch)

        self._preview_offs[key] = self.root.after(ms, release)
