"""Pianola following another program's MIDI clock, heard at its output (benchmark main
thread; the sender's events leave from its JACK client's process thread).

A JACK MIDI client of the caller's, ``clock-sender``, sends 24 pulses per quarter, each
written at its own frame (a hardware clock's steadiness) or, with ``stamped="cycle"``, at
the start of the JACK cycle after it (what a program sending "now" through rtmidi's JACK
port gives: up to a period late).  One bar after the clock begins it sends Start, and
after ``bars_playing`` bars Stop.  The engine process follows the clock (exactly as the
GUI starts it, sync source "midi-clock") and plays a kick on every quarter; a JACK client
records its output and finds the onsets.

``follow_clock`` returns what a test or ``pianola bench sync --parts clockin`` asserts or
prints: whether the music started on Start and stopped on Stop, the tempo Pianola showed
after 1, 4 and 16 bars of clock, and the tempo of the onsets heard (a least-squares line
through the onsets of each span of bars after Start).
"""

from __future__ import annotations

import threading
import time

PPQ = 480
KICK = 36
SENDER = "clock-sender"
SHOWN_AFTER_BARS = (1, 4, 16)


class ClockSender:
    """Pulses at ``bpm`` from JACK frame ``first`` on, kept scheduled half a second ahead
    by a thread of its own (the JACK client writes each at its frame)."""

    def __init__(self, recorder, bpm: float, stamped: str = "exact"):
        if stamped not in ("exact", "cycle"):
            raise ValueError(f"stamped must be 'exact' or 'cycle', not {stamped!r}")
        self.recorder = recorder
        self.stamped = stamped
        self.frames_per_pulse = 60.0 * recorder.sample_rate / (bpm * 24)
        self.first = recorder.frame_now() + recorder.sample_rate // 5
        self.sent = 0  # pulses handed to the client
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def pulse_frame(self, k: int) -> int:
        """Where pulse ``k`` (from 0) is due."""
        return round(self.first + k * self.frames_per_pulse)

    def _stamp(self, frame: int) -> int:
        if self.stamped == "exact":
            return frame
        period = self.recorder.period_frames
        return (frame // period + 1) * period

    def _run(self) -> None:
        ahead = self.recorder.sample_rate // 2
        while not self._stop.is_set():
            horizon = self.recorder.frame_now() + ahead
            while self.pulse_frame(self.sent) < horizon:
                self.recorder.send_at(self._stamp(self.pulse_frame(self.sent)), b"\xf8")
                self.sent += 1
            time.sleep(0.02)

    def message_before(self, k: int, data: bytes) -> int:
        """Send ``data`` just before pulse ``k`` (Start: that pulse is the music's first);
        returns the pulse's frame.  ``k`` must not be sent yet."""
        if k < self.sent:
            raise ValueError(f"pulse {k} is already sent")
        frame = self.pulse_frame(k)
        self.recorder.send_at(self._stamp(frame) - 1, data)
        return frame

    def wait_for_pulse(self, k: int, timeout_s: float = 120.0) -> bool:
        """Until JACK's clock has passed pulse ``k``."""
        deadline = time.monotonic() + timeout_s
        while self.recorder.frame_now() <= self.pulse_frame(k):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=2)


def kicks(quarters: int):
    from engine.core.score import Note, Score, Track
    from engine.core.timing import TempoMap

    notes = tuple(Note(i * PPQ, PPQ // 8, KICK, 127) for i in range(quarters))
    track = Track("kicks", is_drum=True, bank=128, notes=notes)
    return Score(tracks=(track,), tempo_map=TempoMap.constant(120.0), ppq=PPQ)


def onset_tempo_bpm(onsets, start_frame: int, beat_frames: float, beats, rate: int):
    """The tempo of the onsets whose beat after Start is in ``beats`` (a range): the slope
    of the least-squares line through (beat, frame); None with fewer than three."""
    import numpy as np

    pairs = [(round((f - start_frame) / beat_frames), f) for f in onsets]
    pairs = [(b, f) for b, f in pairs if b in beats]
    if len(pairs) < 3:
        return None
    x = np.array([b for b, _ in pairs], dtype=np.float64)
    y = np.array([f for _, f in pairs], dtype=np.float64)
    slope = float(np.polyfit(x, y, 1)[0])
    return 60.0 * rate / slope


def follow_clock(
    server: str, bpm: float, bars_playing: int, stamped: str = "exact", shown_bars=()
) -> dict:
    """Run the scene on the JACK server ``server`` (see module doc)."""
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.core.protocol import events as evt
    from engine.measure.capture import Recorder
    from engine.measure.midi_capture import MidiRecorder
    from engine.measure.onsets import find_onsets, suggest_threshold
    from engine.realtime.client import EngineClient

    report: dict = {"events": []}
    client = EngineClient(AudioSettings(driver="jack", jack_server=server, reverb=False))
    client.start()

    def pump() -> list[str]:
        for event in client.poll_events():
            if isinstance(event, (evt.SyncEvent, evt.ErrorEvent)):
                report["events"].append(event.message)
        return report["events"]

    def until(predicate, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while not predicate():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    try:
        client.wait_ready(30)
        client.send(
            cmd.LoadScoreCommand(kicks(4 * (bars_playing + max(shown_bars, default=0) + 4)))
        )
        with MidiRecorder(SENDER, server=server) as recorder:
            client.send(cmd.SetSyncCommand("midi-clock", port=f"{SENDER}:out"))
            report["following"] = until(lambda: "Sync: MIDI clock." in pump(), 20.0)
            rate = recorder.sample_rate
            with Recorder(r"^pianola:", channels=1, server_name=server, max_seconds=600) as rec:
                rec.start()
                sender = ClockSender(recorder, bpm, stamped)
                try:
                    bar = 96
                    start = sender.message_before(bar, b"\xfa")  # one bar of clock first
                    sender.wait_for_pulse(bar)
                    report["started"] = until(lambda: client.read_position().playing, 10.0)
                    stop_pulse = bar * (1 + bars_playing)
                    sender.message_before(stop_pulse, b"\xfc")
                    shown = {}
                    for bars in sorted(set(shown_bars) | {1}):
                        sender.wait_for_pulse(bar * bars + 24)  # a beat to take it in
                        shown[bars] = 60e6 / client.read_position().us_per_quarter
                    sender.wait_for_pulse(stop_pulse + 24)
                    report["stopped"] = until(lambda: not client.read_position().playing, 10.0)
                    report["shown_bpm"] = shown
                finally:
                    sender.close()
                recording = rec.stop()
        magnitude = recording.magnitude()
        found = find_onsets(magnitude, suggest_threshold(magnitude), rate // 20)
        # a cycle the server dropped moves JACK's frame time, not the music: the onsets of
        # the half second after one are left out
        times = recording.period_frame_times.astype("int64")
        gaps = times[1:][(times[1:] - times[:-1]) != recording.period_frames]
        onsets = [
            int(f)
            for f in recording.jack_frames(found)
            if not any(f - rate // 2 < gap <= f for gap in gaps)
        ]
        report.update(
            rate=rate,
            start_frame=start,
            beat_frames=24 * sender.frames_per_pulse,
            onsets=onsets,
            events=pump(),
        )
    finally:
        client.close()
    return report


def run_clock_in(periods: list[int], bpm: float = 97.0) -> int:
    """The ``--parts clockin`` table (see ``engine.bench.sync``)."""
    import os

    from engine.measure.jackserver import DummyJackServer

    print()
    print(f"MIDI clock in at {bpm:g} BPM: tempo error in %, 48 kHz, realtime dummy JACK server")
    print(
        f"{'period':>8} {'pulses stamped':<16} {'shown 1 bar':>12} {'4 bars':>8} "
        f"{'16 bars':>8} {'heard 2-4':>10} {'5-16':>8} {'start/stop':>11}"
    )

    def error(tempo) -> str:
        return "-" if tempo is None else f"{100 * (tempo / bpm - 1):+.4f}"

    for period in periods:
        for stamped in ("exact", "cycle"):
            name = f"pianola-bench-clock-in-{os.getpid()}"
            with DummyJackServer(name, 48000, period, realtime=True):
                r = follow_clock(name, bpm, bars_playing=16, stamped=stamped, shown_bars=(4, 16))
            heard = [
                onset_tempo_bpm(r["onsets"], r["start_frame"], r["beat_frames"], beats, r["rate"])
                for beats in (range(4, 16), range(16, 64))
            ]
            shown = r.get("shown_bpm", {})
            follows = "yes" if r.get("started") and r.get("stopped") else "NO"
            print(
                f"{period:>8} {stamped:<16} {error(shown.get(1)):>12} {error(shown.get(4)):>8} "
                f"{error(shown.get(16)):>8} {error(heard[0]):>10} {error(heard[1]):>8} "
                f"{follows:>11}",
                flush=True,
            )
    return 0
