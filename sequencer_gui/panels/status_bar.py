"""The status bar: engine state, driver, latency, realtime priority, late events (GUI thread)."""

from __future__ import annotations

from tkinter import ttk

from engine.core.protocol import events as evt

SYNC_NAMES = {
    "link": "Ableton Link",
    "jack-follow": "JACK transport",
    "jack-lead": "JACK transport (leading)",
    "midi-clock": "MIDI clock",
}


class StatusBar(ttk.Frame):
    """A message at the left, the engine's figures at the right."""

    def __init__(self, master, link):
        super().__init__(master, padding=(6, 2))
        self.link = link
        self.load_percent: float | None = None  # FluidSynth's CPU load, as last read
        self.message = ttk.Label(self, text="", anchor="w")
        self.engine = ttk.Label(self, text="", anchor="e")
        self.sync_source = "internal"  # the clock the engine follows (from SyncEvent)
        self.message.pack(side="left", fill="x", expand=True)
        self.engine.pack(side="right")
        link.listeners.append(self.on_event)
        self.refresh()

    def set_text(self, text: str) -> None:
        self.message.configure(text=text)

    def refresh(self) -> None:
        self.engine.configure(text=self.engine_text())

    def engine_text(self) -> str:
        link = self.link
        if link.state == "starting":
            return "Audio: starting…"
        if link.state in ("failed", "died", "off"):
            return f"Audio: {link.error or 'off'} (editing still works)"
        if link.state == "lost":
            return "Audio: the server is gone; Pianola reconnects when it is back"
        r = link.ready
        latency_ms = r.period_frames * 1000 / r.sample_rate
        load = "" if self.load_percent is None else f" · load {self.load_percent:.0f} %"
        return (
            f"Audio: {r.driver} · {r.sample_rate} Hz · period {r.period_frames} "
            f"({latency_ms:.1f} ms){load} · {r.scheduling} · late events {link.late_events}"
            + (f" · xruns {link.xruns}" if link.xruns else "")
            + (f" · sync: {SYNC_NAMES[self.sync_source]}" if self.sync_source != "internal" else "")
        )

    def show_load(self, percent: float | None) -> None:
        """The engine's synthesis load (percent of real time), read beside the position."""
        if percent != self.load_percent:
            self.load_percent = percent
            self.refresh()

    def on_event(self, event) -> None:
        if isinstance(event, evt.SyncEvent):
            self.sync_source = event.source
            self.refresh()
        if isinstance(
            event,
            (
                evt.ReadyEvent,
                evt.ErrorEvent,
                evt.EngineDiedEvent,
                evt.AudioLostEvent,
                evt.LateEvent,
                evt.XrunEvent,
            ),
        ):
            self.refresh()
        if isinstance(event, evt.ErrorEvent):
            self.set_text(event.message)
