"""The one sync source the engine follows at a time (engine main and scheduler threads).

Internal (Pianola's own clock), Ableton Link, or JACK's transport (following it, or
leading it: Pianola's play and stop then move JACK's transport, and every client follows).
The engine hands every score it is given to ``adapt`` (a source may own the tempo),
asks ``play``/``stop`` whether the source takes over the transport, and calls
``service`` once per scheduler period before the scheduler's own.

A source that cannot open (no Link library, no JACK server) leaves the engine on its
own clock and says why in one sentence; a source lost while playing (the last Link peer
leaves) keeps the music going at the last tempo and says so once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from engine.core.errors import PianolaError
from engine.core.score import Score
from engine.core.timing import bpm_to_us_per_quarter
from engine.sync.jack_ports import connect, jack_midi_port
from engine.sync.link_bar import BarChanges
from engine.sync.sync_choice import SOURCE_NAMES, SyncChoice
from engine.sync.synth_clock import SynthHostClock

if TYPE_CHECKING:  # opened only when chosen: their libraries load then
    from engine.midi.jack_port import JackMidiPort
    from engine.sync.jack_transport import JackTransport
    from engine.sync.link_follower import LinkFollower
    from engine.sync.midi_clock import MidiClockOut
    from engine.sync.midi_clock_in import MidiClockFollower
    from engine.sync.timebase import TimebaseMaster


class SyncFollower(Protocol):
    """What the hub asks of whichever follower it has (Link, JACK transport or MIDI
    clock): the score as the source plays it, and its work once per scheduler period."""

    def adapt(self, score: Score) -> Score: ...

    def service(self) -> None: ...


class SyncHub:
    """See module doc.  ``say(source, text, peers, quantum)`` reports to the window or the
    terminal."""

    def __init__(self, scheduler, *, jack_server: str | None, uses_jack: bool, say=None):
        self.scheduler = scheduler
        self.jack_server = jack_server
        self.uses_jack = uses_jack
        self._say = say or (lambda source, text, peers, quantum: None)
        self._lock = threading.Lock()
        self.choice = SyncChoice()
        self._closers: list = []
        self._follower: SyncFollower | None = None
        # the follower again, by kind, for what only that kind does: set with the source
        self._link: LinkFollower | None = None  # starts and stops on the session's beat
        self._clock_in: MidiClockFollower | None = None  # stops with the clock's sender
        self._transport: JackTransport | None = None  # whose start and stop Pianola presses
        self._master: TimebaseMaster | None = None  # when leading JACK's transport
        self._clock_out: MidiClockOut | None = None  # with any source
        self._clock_port: JackMidiPort | None = None
        self._bar = BarChanges(scheduler)  # what waits for a Link session's next bar
        self._in_session = False  # a live session's transport starts and stops the music

    @property
    def source(self) -> str:
        return self.choice.source

    def say(self, text: str) -> None:
        follower = self._follower
        peers = getattr(follower, "peers", 0)
        self._say(self.choice.source, text, peers, self.choice.quantum)

    # --- choosing (engine main thread) -----------------------------------------------
    def choose(self, choice: SyncChoice) -> None:
        """Follow ``choice``; when it cannot open, stay on the internal clock and say why."""
        with self._lock:
            self._close_locked()
            self.choice = choice
            try:
                if choice.source == "link":
                    self._open_link(choice)
                elif choice.source in ("jack-follow", "jack-lead"):
                    self._open_jack_transport(choice)
                elif choice.source == "midi-clock":
                    self._open_midi_clock(choice)
            except PianolaError as exc:
                self._close_locked()
                self.choice = SyncChoice()
                self._say("internal", f"{exc} Playing on Pianola's own clock.", 0, choice.quantum)
                return
        # re-adapt the song now playing to the new source's tempo
        self.scheduler.replace_score(self.adapt(self.scheduler.score))
        link = self._link
        if link is not None:
            link.follow_playing()  # playing on: into the session's phase
        self.say(f"Sync: {SOURCE_NAMES[choice.source]}.")

    def _open_link(self, choice: SyncChoice) -> None:
        from engine.sync.link_follower import LinkFollower
        from engine.sync.link_session import LinkSession

        score = self.scheduler.score
        session = LinkSession(
            score.tempo_map.changes[0].bpm, choice.quantum, choice.start_stop_sync
        )
        session.open()
        self._closers.append(session.close)
        clock = self._heard_clock()
        self._follower = self._link = LinkFollower(self.scheduler, session, clock, say=self.say)
        self._session_link_locked()

    def _heard_clock(self):
        if not self.uses_jack:
            return SynthHostClock(self.scheduler.backend.sample_rate)
        from engine.sync.jack_clock import HeardClock, JackClock

        jack_clock = JackClock(self.jack_server).open()
        self._closers.append(jack_clock.close)
        block = getattr(self.scheduler.backend, "block_frames", 64)
        return HeardClock(jack_clock, block, ("pianola:left", "pianola:right"))

    def _open_jack_transport(self, choice: SyncChoice) -> None:
        from engine.core.errors import AudioDriverError
        from engine.sync.jack_clock import SynthOffset
        from engine.sync.jack_transport import JackTransport, TransportFollower

        if not self.uses_jack:
            raise AudioDriverError("JACK transport needs the JACK audio driver.")
        transport = JackTransport(self.jack_server).open()
        self._closers.append(transport.close)
        block = getattr(self.scheduler.backend, "block_frames", 64)
        offset = SynthOffset(transport.period_frames, block)
        leading = choice.source == "jack-lead"
        self._follower = TransportFollower(
            self.scheduler, transport.read, offset, say=self.say, leading=leading
        )
        self._transport = transport
        if leading:
            from engine.sync.timebase import TimebaseMaster

            self._master = TimebaseMaster(self.jack_server).start(self.scheduler.score)
            self._closers.append(self._master.close)

    def _open_midi_clock(self, choice: SyncChoice) -> None:
        from engine.core.errors import MidiPortError
        from engine.midi.jack_port import JackMidiPort
        from engine.sync.midi_clock_in import JackFrameClock, MidiClockFollower, MidiClockSession

        if not self.uses_jack:
            raise MidiPortError("Following a MIDI clock needs the JACK audio driver.")
        source = jack_midi_port(self.jack_server, choice.port, output=True)
        port = JackMidiPort("pianola-clock-in", server=self.jack_server, with_input=True).open()
        self._closers.append(port.close)
        connect(self.jack_server, source, "pianola-clock-in:in")
        rate = self.scheduler.backend.sample_rate
        session = MidiClockSession(
            rate,
            port.cycle_frame,
            self.scheduler.score.ppq,
            say=self.say,
            locate=self.scheduler.locate,
        )
        clock = JackFrameClock(port, rate)
        self._follower = self._clock_in = MidiClockFollower(
            self.scheduler, session, clock, port.received, say=self.say
        )

    def close(self) -> None:
        with self._lock:
            self._close_locked()
            self._close_clock_out_locked()

    # --- MIDI clock out (engine main thread) -----------------------------------------
    def set_clock_out(self, query: str) -> None:
        """Send MIDI clock to the JACK MIDI port ``query`` names (empty: to none)."""
        with self._lock:
            self._close_clock_out_locked()
        if not query:
            return
        from engine.core.errors import MidiPortError
        from engine.midi.jack_port import JackMidiPort
        from engine.sync.midi_clock import MidiClockOut

        try:
            if not self.uses_jack:
                raise MidiPortError("MIDI clock out needs the JACK audio driver.")
            connect: tuple[str, ...]
            if query.strip().lower() == "pianola":
                connect = ()
            else:
                connect = (jack_midi_port(self.jack_server, query, output=False),)
            port = JackMidiPort("pianola-clock", server=self.jack_server, connect_to=connect)
            port.open()
        except MidiPortError as exc:
            self._say(self.choice.source, f"{exc} No MIDI clock is sent.", 0, self.choice.quantum)
            return
        with self._lock:
            self._clock_port = port
            self._clock_out = MidiClockOut(self.scheduler, port)
        self.say(f"MIDI clock goes out to {query}.")

    def _close_clock_out_locked(self) -> None:
        self._clock_out = None
        if self._clock_port is not None:
            self._clock_port.close()
            self._clock_port = None

    def _close_locked(self) -> None:
        self._bar.clear()
        self._follower = None
        self._link = None
        self._clock_in = None
        self._transport = None
        self._master = None
        while self._closers:
            self._closers.pop()()

    # --- the engine's commands (engine main thread) ----------------------------------
    def adapt(self, score):
        with self._lock:
            if self._master is not None:
                self._master.update(score)  # the bars and beats every client is told
            follower = self._follower
            return score if follower is None else follower.adapt(score)

    def play(self, from_tick: int | None, count_in: tuple[int, int] = (0, 100)) -> bool:
        """True when the source takes the start over (it starts on its own beat).
        ``count_in`` = (bars, click volume): under Link the clicks end on the session's
        bar the music starts on; JACK's transport and a MIDI clock start every client
        together, so they start at once, with no count-in."""
        with self._lock:
            if self.choice.source == "midi-clock":
                self.say("The MIDI clock's sender starts the music: press play there.")
                return True
            if self._link is not None:  # Link is the source: it starts on its own beat
                self._bar.clear()
                self._link.start(from_tick, count_in)
                return True
            if self.choice.source in ("jack-follow", "jack-lead"):
                self._move_transport(from_tick)
                return True
            return False

    def stop(self) -> bool:
        with self._lock:
            if self._clock_in is not None:  # a MIDI clock is the source
                self._clock_in.stop()
                return True
            if self._link is not None:  # Link is the source
                self._bar.clear()
                self._link.stop()
                return True
            if self.choice.source in ("jack-follow", "jack-lead"):
                self._transport_call("stop")
                return True
            return False

    def _move_transport(self, from_tick: int | None) -> None:
        """Play on JACK's transport: every client starts together, Pianola with them."""
        score = self.scheduler.score
        tick = self.scheduler.position().tick if from_tick is None else from_tick
        frame = score.tempo_map.tick_to_frame(tick, score.ppq, self.scheduler.backend.sample_rate)
        self._transport_call("locate", frame)
        self._transport_call("start")

    def _transport_call(self, name: str, *args) -> None:
        transport = self._transport
        if transport is not None:
            getattr(transport, name)(*args)

    def request_tempo(self, bpm: float, at_next_bar: bool) -> bool:
        """Pattern mode's tempo change while Link is followed: to the session, and so to
        every peer (``engine.sync.link_bar``); False when Link is not followed."""
        with self._lock:
            return self._link is not None and self._bar.request_tempo(self._link, bpm, at_next_bar)

    def on_next_bar(self, change: Callable[[int], None]) -> bool:
        """While Link plays the music: ``change(frame)`` on the session's next bar, heard
        at ``frame`` (``engine.sync.link_bar``); False when Link is not followed or nothing
        plays (the caller changes at once)."""
        with self._lock:
            return self._link is not None and self._bar.hold(self._link, change)

    def quantum_ticks(self, ppq: int) -> int | None:
        """A Link session's bar (its quantum) in ticks while Link is followed, else None:
        pattern mode's ticks count beats from a bar line of the session, so its switches
        land on the session's bars at multiples of this."""
        link = self._link  # one attribute read: asked under the pattern player's lock
        return None if link is None else max(1, round(link.session.quantum * ppq))

    def imposed_us_per_quarter(self) -> int | None:
        """The tempo the source plays at when it owns the tempo (Link, a MIDI clock, a
        JACK timebase master), else None.  No lock: one attribute read each, so pattern
        mode can ask while the source holds its lock to start it."""
        follower = self._follower
        inner = getattr(follower, "follower", follower)  # a MIDI clock wraps Link's
        us = getattr(inner, "_us_per_quarter", None)
        if us is not None:
            return us
        bpm = getattr(inner, "_master_bpm", None)
        return None if bpm is None else bpm_to_us_per_quarter(bpm)

    def shown_us_per_quarter(self, played: int) -> int:
        """The tempo to show: the source's own (Link's session tempo, not the audio
        clock's count of it), else what is played."""
        follower = self._follower
        shown = getattr(follower, "shown_us_per_quarter", None)
        return played if shown is None else shown

    # --- a live session under Link (engine main thread; the reads from any thread) ----
    def join_session(self) -> None:
        """A live session begins.  Its transport starts and stops the music, so Link's
        start and stop are no longer shared; its timed versions of the song carry the
        tempos of several moments, so the session's tempo reaches Link only through
        ``set_link_tempo``.  Link, when followed, keeps the beat and the tempo."""
        with self._lock:
            self._in_session = True
            self._session_link_locked()

    def _session_link_locked(self) -> None:
        link = self._link
        if link is not None and self._in_session:
            link.pushes_document_tempo = False
            link.session.set_start_stop_sync(False)

    def link_leads(self) -> bool:
        """Link is followed: it keeps the music's beat and tempo (one attribute read)."""
        return self._link is not None

    def link_us_per_quarter(self) -> int | None:
        """The tempo Link plays at (on the audio clock), None while Link is not followed
        (lock-free: asked under the scheduler's lock)."""
        return None if self._link is None else self.imposed_us_per_quarter()

    def link_bpm(self) -> float:
        """The Link session's tempo, 0 while Link is not followed."""
        link = self._link
        return 0.0 if link is None else link.tempo_bpm

    def follow_session_start(self) -> None:
        """The session's transport started the music at its moment: under Link, bring it
        into the Link session's phase at once (by the nearest shift, as when Link is
        turned on while playing)."""
        with self._lock:
            link = self._link
        if link is not None:
            link.follow_playing()

    def set_link_tempo(self, bpm: float) -> None:
        """The session's tempo changed: to the Link session (so to every Link peer)."""
        with self._lock:
            link = self._link
            same = link is None or bpm_to_us_per_quarter(bpm) == bpm_to_us_per_quarter(
                link.tempo_bpm
            )
            if not same and link is not None:
                link.session.set_tempo(float(bpm))

    # --- the periodic work (scheduler thread) ----------------------------------------
    def service(self) -> None:
        with self._lock:  # choose() may be closing the source this follower reads
            if self._follower is not None:
                self._follower.service()
            if self._clock_out is not None:
                self._clock_out.service()
            due = None if self._link is None else self._bar.service(self._link)
        if due is not None:  # outside the lock: the change passes through ``adapt``
            due()
