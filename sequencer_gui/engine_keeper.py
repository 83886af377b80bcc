"""Keeping the engine alive: restarts after a death and for new audio settings (GUI thread).

The engine link owns one ``EngineKeeper`` and hands it every engine event after the
window's listeners have had it.  When the engine dies unasked the keeper starts a new
one (the song as it is by then goes to it, loop and mix inside it, and the transport
where it was; the dead engine's JACK client is gone, so nothing is left sounding) and,
once it is ready and playing on, the cursor follows it again.  When the musician changes the audio preferences it restarts the engine with
them.  In both cases the document stays in the window untouched, and the window never
waits for the new engine: editing goes on while it starts, and its ReadyEvent finishes
the restart.  A fatal error (no JACK server, no SoundFont...) gets no restart, since
starting again would fail the same way, and -- once the program has turned dialogs on
(``show_dialogs``) -- one dialog; the status bar says it in any case.
"""

from __future__ import annotations

import time
from tkinter import messagebox

from engine.core.protocol import events as evt
from sequencer_gui.server_return import ServerReturnWatch

MAX_RESTARTS = 3  # within RESTART_WINDOW_S; more means restarting will not help
RESTART_WINDOW_S = 60.0
RESTART_DELAY_MS = 100  # after a death: let its pipes and sentinel settle first


def _ignore(*_args) -> None:
    pass


class EngineKeeper:
    """Restarts the link's engine after a crash or an audio-settings change."""

    def __init__(self, link):
        self.link = link
        self.restarts: list[float] = []  # monotonic times of automatic restarts
        self._reported: set[str] = set()
        self.failed = False  # a fatal error was reported: do not restart on its exit
        self.resume: bool | None = None  # after a death: play again once ready?
        # The window's side, set by connect(): its status line, its engine figures and
        # its transport.  Until then the keeper restarts silently.
        self.say = _ignore
        self.refresh = _ignore
        self.playback = None
        self.dialogs = False  # show_dialogs(): the full program, not a bare window
        self.server_watch: ServerReturnWatch | None = None  # waiting for a lost server
        self.reconnecting = False  # the server came back: a new engine is starting

    def connect(self, *, say, refresh, playback) -> None:
        """Give the keeper the window's status line, status refresh and transport."""
        self.say, self.refresh, self.playback = say, refresh, playback

    def show_dialogs(self) -> None:
        """Report audio that will not start in a dialog too (the program does this; a
        window built bare, e.g. by a test, shows it in the status bar only)."""
        self.dialogs = True
        if self.link.state == "failed" and self.link.error:  # failed before this
            self.report(self.link.error)

    def report(self, message: str) -> None:
        """One dialog per distinct audio problem (no sound is worth one interruption, not
        one per retry); the status bar keeps saying it after the dialog is closed."""
        if not self.dialogs or message in self._reported:
            return
        self._reported.add(message)
        root = self.link.root
        # after_idle: never open a modal dialog inside the engine pipe's file handler
        root.after_idle(lambda: messagebox.showerror("Audio is off", message, parent=root))

    def on_event(self, event) -> None:
        if isinstance(event, evt.ReadyEvent):
            self.failed = False
            if self.reconnecting:
                self.reconnecting = False
                self.refresh()
                self.say("Reconnected to the JACK server; your song and mix are loaded again.")
            elif self.resume is not None:
                self.restarted_after_death(self.resume)
        elif isinstance(event, evt.AudioLostEvent):
            self.server_lost(event)
        elif isinstance(event, evt.ErrorEvent) and event.fatal:
            # the engine could not start or run with these settings (no JACK server, no
            # SoundFont...): it exits, and starting it again would fail the same way
            self.failed = True
            self.resume = None
            self.report(event.message)
        elif isinstance(event, evt.EngineDiedEvent) and not self.failed:
            client = self.link.client
            # the dead engine's last position is still in shared memory
            was_playing = client is not None and client.read_position().playing
            self.say(f"{event.message} Engine restarting…")
            self.link.root.after(RESTART_DELAY_MS, lambda: self.restart_after_death(was_playing))

    def restart_after_death(self, was_playing: bool = False) -> bool:
        now = time.monotonic()
        self.restarts = [t for t in self.restarts if now - t < RESTART_WINDOW_S]
        if len(self.restarts) >= MAX_RESTARTS:
            self.say(
                "The audio engine keeps stopping, so Pianola no longer restarts it; your "
                "song is safe: check the audio set-up in Preferences or `pianola doctor`."
            )
            return False
        self.restarts.append(now)
        self.link.restart()  # returns at once; the ReadyEvent calls restarted_after_death
        if self.link.state != "starting":
            return False  # the link reported why in the status bar
        self.resume = was_playing
        self.refresh()
        self.say(
            "The audio engine stopped unexpectedly. Engine restarting… (you can go on editing)"
        )
        return True

    def restarted_after_death(self, was_playing: bool) -> None:
        """The new engine is ready and has the song, loop, mix and transport position."""
        self.resume = None
        if was_playing and self.playback is not None:
            # the new engine was told to play on where the old one was (with the song):
            # only the cursor animation has to follow it again
            self.playback.follow_engine()
        self.refresh()
        self.say(
            "The audio engine stopped unexpectedly and was restarted; your song is loaded again."
        )

    def server_lost(self, event: evt.AudioLostEvent) -> None:
        """The engine's audio server went away: say so, stop the transport (nothing can
        be heard) and wait, off Tk's loop, for the server to answer again; then start a
        new engine on it, which gets the song as it is by then, mix and loop inside it."""
        if self.playback is not None and self.playback.playing:
            self.playback.stop()
        self.refresh()
        self.say(
            f"{event.message} Pianola reconnects by itself when it is back (you can go on editing)."
        )
        self.stop_waiting()
        self.server_watch = ServerReturnWatch(
            self.link.root, event.server, self._server_back
        ).start()

    def _server_back(self) -> None:
        self.server_watch = None
        self.reconnecting = True
        # the silent engine is asked to end, and its successor starts once it has
        self.link.change_settings(self.link.settings, realtime=self.link.realtime)
        self.refresh()
        self.say("The JACK server is back: reconnecting…")

    def stop_waiting(self) -> None:
        """Stop waiting for a lost server (the window closes, or audio is set up anew)."""
        if self.server_watch is not None:
            self.server_watch.cancel()
            self.server_watch = None

    def apply_settings(self, settings, *, realtime: bool) -> None:
        """Restart the engine with new audio settings; the document stays as it is."""
        playback = self.playback
        if playback is not None and playback.playing:
            playback.stop()
        self.failed = False
        self.resume = None
        self.stop_waiting()  # new settings: a new engine, whatever the old server does
        # returns at once: the old engine ends, then the new one starts and gets the
        # document's score (which carries the mix and the loop)
        self.link.change_settings(settings, realtime=realtime)
        self.refresh()
        self.say("Restarting audio with the new settings…")
