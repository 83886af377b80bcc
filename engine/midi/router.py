"""Each track to the synth, a MIDI output port, or both (engine threads: ``prepare`` from
the command thread, everything else from the scheduler under its lock).

``MidiRouter`` stands where the scheduler expects its synth backend and has the same
surface: every call is passed to the synth for the tracks that sound there, and turned
into MIDI bytes on the track's own MIDI channel for the tracks that sound through a port.
Ports are opened by ``prepare(score)`` (never under the scheduler's lock: starting a JACK
MIDI helper takes a moment).  A port that cannot be found, or that goes away, is said
once through ``on_problem`` and its tracks play through the synth meanwhile.

Every note sent to a port is ended by the port's own bookkeeping (per channel and key,
see ``JackMidiPort``/``DeadlinePort``) on stop, locate, panic and close -- and by the JACK
helper itself if the engine dies.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from engine.core.controllers import PITCH_BEND_MIN
from engine.core.errors import MidiPortError
from engine.core.note import GM_DRUM_CHANNEL
from engine.midi.clocks import synth_frame_exact
from engine.midi.deadline_port import DeadlinePort
from engine.midi.jack_port import JackMidiPort
from engine.midi.ports import find_port, list_ports, midi_apis
from engine.midi.sinks import TAG_SLOTS, DeadlineSink, JackSink

Sink = JackSink | DeadlineSink  # where a routed track's events go

CC_ALL_SOUND_OFF, CC_RESET_ALL, CC_ALL_NOTES_OFF = 120, 121, 123
OWN_PORT = "Pianola"  # a track's midi_port naming Pianola's own output
WATCH_PERIOD_S = 1.0


@dataclass(frozen=True, slots=True)
class Route:
    to_synth: bool
    sink: Sink | None
    midi_channel: int


SYNTH_ONLY = Route(True, None, 0)


class MidiRouter:
    """The synth backend's surface, routing each synth channel (one per track) to the
    synth and/or its track's port (see module doc)."""

    def __init__(self, synth, *, jack_server: str | None = None, on_problem=None):
        self.synth = synth
        self.jack_server = jack_server
        self.on_problem = on_problem or (lambda message: None)
        self.sample_rate = synth.sample_rate
        self.block_frames = synth.block_frames
        self.tag_slots = synth.tag_slots
        self.period_frames = getattr(synth, "period_frames", 256)
        # FluidSynth's own drivers show the clock in milliseconds (see clocks.py)
        self._ms_clock = getattr(synth, "driver_name", None) in (
            "jack",
            "pipewire",
            "pulse",
            "alsa",
        )
        # a synth on JACK counts the frames the ports count (both on this server)
        self._same_clock = getattr(synth, "driver_name", None) == "jack"
        self._sinks: dict[str, Sink] = {}  # query -> open sink
        self._refused: set[str] = set()  # queries already said to fail
        self._routes: list[Route] = []
        self._lock = threading.Lock()  # sinks and routes: command thread vs scheduler
        self._watch_stop = threading.Event()
        self._watcher: threading.Thread | None = None
        self._next_client = 0
        # Pianola's own output, opened ahead for other programs to connect to; it joins
        # the sinks when a track is sent to it
        self._own: JackSink | None = None
        self._own_lock = threading.Lock()
        self._closed = False
        self._last_score = None  # the score of the routes in force (for a port back)

    # --- ports -------------------------------------------------------------------------
    def prepare(self, score) -> None:
        """Open the ports the score's tracks name (command thread; may take a moment)."""
        wanted = {t.midi_port for t in score.tracks if t.output != "synth" and t.midi_port}
        for query in sorted(wanted - set(self._sinks) - self._refused):
            try:
                sink = self._open(query)
            except MidiPortError as exc:
                self._refused.add(query)
                self.on_problem(f"{exc} Its tracks play through the synth.")
                continue
            with self._lock:
                self._sinks[query] = sink
            # measure a JACK sink's clock before its first events (once per port; two
            # seconds at most): sent unmeasured, they would go out as soon as possible
            deadline = time.monotonic() + 2.0
            while getattr(sink, "offset", 0) is None and time.monotonic() < deadline:
                self.now_frame()
                time.sleep(0.005)
        if (self._sinks or self._refused) and self._watcher is None:
            self._watcher = threading.Thread(
                target=self._watch, name="pianola-midi-watch", daemon=True
            )
            self._watcher.start()

    def open_own_port(self) -> None:
        """Open Pianola's own output (``pianola-midi-out:out``) before any track is sent
        to it, so other programs can connect to it (any thread; takes a moment)."""
        try:
            with self._own_lock:
                if self._own is None and not self._closed:
                    self._own = self._open_own()
        except MidiPortError:
            pass  # not said: a track sent to it tries again, and that failure is said

    def _open_own(self) -> JackSink:
        port = JackMidiPort("pianola-midi-out", server=self.jack_server).open()
        return JackSink(
            port,
            "JACK: pianola-midi-out:out",
            self.sample_rate,
            self.period_frames,
            same_clock=self._same_clock,
        )

    def _open(self, query: str):
        self._next_client += 1
        if query.strip().lower() == OWN_PORT.lower():
            with self._own_lock:
                own, self._own = self._own, None
                return own if own is not None else self._open_own()
        found = find_port(query, list_ports(True, server=self.jack_server))
        if found.api == "JACK":
            port = JackMidiPort(
                f"pianola-out-{self._next_client}",
                server=self.jack_server,
                connect_to=(found.name,),
            ).open()
            return JackSink(
                port, found.label, self.sample_rate, self.period_frames, same_clock=self._same_clock
            )
        deadline = DeadlinePort(found, name=f"pianola-out-{self._next_client}").open()
        return DeadlineSink(deadline, found.label, self.sample_rate, self.period_frames)

    def _watch(self) -> None:
        """Notice ports that went away: their tracks go to the synth, said once.

        JACK is asked through one client kept open: opening a client every second would
        make the server rebuild its graph every second.  Other APIs are asked only when a
        track uses one of their ports."""
        try:
            import jack

            watcher = jack.Client(
                "pianola-midi-watch", no_start_server=True, servername=self.jack_server
            )
        except Exception:  # no JACK here: only other APIs' ports can be in use
            watcher = None
        others = [api for api in midi_apis(self.jack_server) if api.name != "JACK"]
        try:
            while not self._watch_stop.wait(WATCH_PERIOD_S):
                try:
                    present = self._present(watcher, others)
                except Exception:  # listing failed this time: try again next period
                    continue
                self._drop_gone(present)
                self._retry(present)
        finally:
            if watcher is not None:
                watcher.close()

    def _present(self, watcher, others) -> set[str]:
        present = set()
        if watcher is not None:
            ports = watcher.get_ports(is_midi=True, is_input=True)
            present |= {f"JACK: {port.name}" for port in ports}
        if self._refused or any(not sink.label.startswith("JACK: ") for sink in self.sinks()):
            present |= {port.label for port in list_ports(True, others)}
        return present

    def _drop_gone(self, present: set[str]) -> None:
        with self._lock:
            sinks = list(self._sinks.items())
        for query, sink in sinks:
            own = sink.label.startswith("JACK: pianola-midi-out")
            if sink.alive and (own or sink.label in present):
                continue
            with self._lock:
                self._sinks.pop(query, None)
                self._refused.add(query)
                self._routes = [
                    Route(True, None, r.midi_channel) if r.sink is sink else r for r in self._routes
                ]
            self.on_problem(
                f"The MIDI port {sink.label} went away: its tracks play through the synth."
            )
            try:
                sink.close()
            except Exception:
                pass

    def _retry(self, present: set[str]) -> None:
        """A port that failed or went away and is there again: its tracks go to it again
        (said once).  Only ports whose name is among those present are tried."""
        with self._lock:
            refused = sorted(self._refused)
        labels = [label.lower() for label in present]
        for query in refused:
            wanted = query.strip().lower()
            if not any(wanted in label for label in labels):
                continue
            try:
                sink = self._open(query)
            except MidiPortError:
                continue  # still not to be had (e.g. several match): already said
            with self._lock:
                self._refused.discard(query)
                self._sinks[query] = sink
            if self._last_score is not None:
                self.set_routes(self._last_score)
            self.on_problem(
                f"The MIDI port {sink.label} is there again: its tracks play through it."
            )

    def set_routes(self, score) -> None:
        """Which synth channel goes where, from the score's tracks (scheduler thread)."""
        routes = []
        self._last_score = score
        with self._lock:
            for track in score.tracks:
                sink = self._sinks.get(track.midi_port) if track.output != "synth" else None
                channel = GM_DRUM_CHANNEL if track.is_drum else track.channel
                routes.append(Route(track.output != "port" or sink is None, sink, channel))
            self._routes = routes

    def _route(self, channel: int) -> Route:
        routes = self._routes
        return routes[channel] if channel < len(routes) else SYNTH_ONLY

    def sinks(self) -> list:
        with self._lock:
            return list(self._sinks.values())

    def close(self) -> None:
        self._watch_stop.set()
        with self._own_lock:
            self._closed = True
            if self._own is not None:
                self._own.close()
                self._own = None
        for sink in self.sinks():
            sink.close()
        with self._lock:
            self._sinks.clear()
            self._routes = []

    # --- the clock -----------------------------------------------------------------------
    def now_frame(self) -> int:
        now = self.synth.now_frame()
        if self._sinks:
            exact = synth_frame_exact(now, self.sample_rate) if self._ms_clock else now
            now_ns = time.monotonic_ns()
            for sink in self.sinks():
                sink.sample(exact, now_ns)
        return now

    def settled_frame(self) -> int:
        return self.synth.settled_frame()

    def applied_horizon(self) -> int:
        # a port writes a whole period at its start: up to one more may be out already
        extra = self.period_frames if self._sinks else 0
        return self.synth.applied_horizon() + extra

    @property
    def min_lookahead_frames(self) -> int:
        return getattr(self.synth, "min_lookahead_frames", 0)

    # --- scheduled events ----------------------------------------------------------------
    def schedule_note_on(self, frame, channel, key, velocity, tag=0) -> None:
        r = self._route(channel)
        if r.to_synth:
            self.synth.schedule_note_on(frame, channel, key, velocity, tag=tag)
        if r.sink is not None:
            r.sink.send(frame, bytes((0x90 | r.midi_channel, key, velocity)), tag)

    def schedule_note_off(self, frame, channel, key, tag=0) -> None:
        r = self._route(channel)
        if r.to_synth:
            self.synth.schedule_note_off(frame, channel, key, tag=tag)
        if r.sink is not None:
            r.sink.send(frame, bytes((0x80 | r.midi_channel, key, 0)), tag)

    def schedule_event(self, frame, channel, event, bank, tag=0) -> None:
        """A controller event (engine.core.controllers.ControlEvent) of a track."""
        r = self._route(channel)
        if r.to_synth:
            self.synth.schedule_event(frame, channel, event, bank, tag)
        if r.sink is not None:
            r.sink.send(frame, event.midi_bytes(r.midi_channel), tag)

    def cancel_pending(self) -> int:
        for sink in self.sinks():
            sink.cancel_all()
        return self.synth.cancel_pending() + (self.period_frames if self._sinks else 0)

    def cancel_tag(self, tag: int) -> int:
        for sink in self.sinks():
            sink.cancel_tag(tag % TAG_SLOTS)
        return self.synth.cancel_tag(tag) + (self.period_frames if self._sinks else 0)

    # --- immediate control ---------------------------------------------------------------
    def set_channel_type(self, channel: int, drum: bool) -> None:
        self.synth.set_channel_type(channel, drum)

    def program_now(self, channel: int, bank: int, program: int) -> bool:
        r = self._route(channel)
        if r.sink is not None:
            c = r.midi_channel
            r.sink.send_now(bytes((0xB0 | c, 0, bank >> 7 & 127)))
            r.sink.send_now(bytes((0xB0 | c, 32, bank & 127)))
            r.sink.send_now(bytes((0xC0 | c, program)))
        return self.synth.program_now(channel, bank, program)

    def control_now(self, channel: int, control: int, value: int) -> None:
        r = self._route(channel)
        if r.sink is not None:
            r.sink.send_now(bytes((0xB0 | r.midi_channel, control, value)))
        self.synth.control_now(channel, control, value)

    def pitch_bend_now(self, channel: int, value: int) -> None:
        r = self._route(channel)
        if r.sink is not None:
            bend = value - PITCH_BEND_MIN
            r.sink.send_now(bytes((0xE0 | r.midi_channel, bend & 127, bend >> 7)))
        self.synth.pitch_bend_now(channel, value)

    def note_on_now(self, channel: int, key: int, velocity: int) -> None:
        r = self._route(channel)
        if r.to_synth:
            self.synth.note_on_now(channel, key, velocity)
        if r.sink is not None:
            r.sink.send_now(bytes((0x90 | r.midi_channel, key, velocity)))

    def note_off_now(self, channel: int, key: int) -> None:
        r = self._route(channel)
        self.synth.note_off_now(channel, key)  # harmless if it never sounded there
        if r.sink is not None:
            r.sink.send_now(bytes((0x80 | r.midi_channel, key, 0)))

    def all_notes_off(self) -> None:
        """Every note off: the synth's, and each port's notes it started (its own count)."""
        self.synth.all_notes_off()
        for sink in self.sinks():
            sink.release_all()

    def all_sounds_off(self) -> None:
        """Panic: also all sounds off and all notes off on every channel of every port."""
        self.synth.all_sounds_off()
        for sink in self.sinks():
            sink.release_all()
            for c in range(16):
                sink.send_now(bytes((0xB0 | c, CC_ALL_SOUND_OFF, 0)))
                sink.send_now(bytes((0xB0 | c, CC_ALL_NOTES_OFF, 0)))
                sink.send_now(bytes((0xB0 | c, 64, 0)))
                sink.send_now(bytes((0xE0 | c, 0, 64)))

    def __getattr__(self, name):
        # everything else (preset names, voices, CPU load, rendering) is the synth's
        return getattr(self.synth, name)
