"""MIDI clock out: 24 pulses per quarter, start/stop/continue and song position, written
with frame offsets on a JACK MIDI port (engine scheduler thread; the writing itself is
done by the port's helper process).

Every pulse is a tick of the scheduler's own timeline (a multiple of PPQ/24) at the frame
the timeline gives it, so the pulses are exactly as steady as the notes, follow every
tempo change, and run on through loops: at the first pulse of each new loop pass a song
position pointer (in sixteenths) says where the music jumped to.  A start from the top
is a Start; from anywhere else (and after a locate while playing) a song position
pointer and a Continue; a stop is a Stop.

Pulses go out one look-ahead ahead, as the notes do.  When the timeline changes (a tempo
change, an edit of the loop, a sync source pulling the music onto its beat) the pulses
not yet written are withdrawn by their tag and sent again from the new timeline.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.midi.clocks import JackFrameMap, synth_frame_exact

PULSES_PER_QUARTER = 24
CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
CLOCK_TAG = 251  # the tag of every pending clock message (withdrawn together)


def song_position(tick: int, ppq: int) -> bytes:
    """A song position pointer: sixteenths from the start, 14 bits, LSB first."""
    sixteenths = min(max(0, tick * 4 // ppq), 0x3FFF)
    return bytes((SONG_POSITION, sixteenths & 0x7F, sixteenths >> 7))


@dataclass(frozen=True, slots=True)
class Pulse:
    """A pulse sent: where it is in the music and on JACK's clock."""

    pass_number: int  # loop passes played before it (the timeline's first_pass + index)
    tick: int
    jack_frame: int


class MidiClockOut:
    """See module doc.  ``port`` is an open ``engine.midi.jack_port.JackMidiPort``."""

    def __init__(self, scheduler, port):
        self.scheduler = scheduler
        self.port = port
        self.sample_rate = scheduler.backend.sample_rate
        self.map = JackFrameMap()
        self._timeline = None  # the timeline the pulses were sent from
        self._sent: list[Pulse] = []  # pulses queued, oldest first (pruned once written)
        self._until_frame = 0  # synth frames before this have had their pulses sent
        self.jumps = 0

    def _step(self, ppq: int) -> int:
        return max(1, ppq // PULSES_PER_QUARTER)

    # --- the periodic work (scheduler thread) ----------------------------------------
    def service(self) -> None:
        backend = self.scheduler.backend
        now = backend.now_frame()
        self.map.sample(
            self.port.cycle_frame(),
            self.port.cycle_frames(),
            synth_frame_exact(now, self.sample_rate),
        )
        if self.map.offset is None:
            return
        timeline = self.scheduler.timeline()
        if timeline is None:
            if self._timeline is not None:  # stopped
                self._withdraw()
                self.port.send(self._next_cycle(), bytes((STOP,)))
                self._timeline = None
            return
        ppq = self.scheduler.score.ppq
        if timeline is not self._timeline:
            self._follow(timeline, ppq)
        self._send_until(timeline, now + self.scheduler.lookahead_frames, ppq)

    def _next_cycle(self) -> int:
        return self.port.cycle_frame() + self.port.cycle_frames()

    def _withdraw(self) -> None:
        """Withdraw every pulse not yet written; keep the record of those written."""
        self.port.cancel_tag(CLOCK_TAG)
        written_before = self._next_cycle()
        self._sent = [p for p in self._sent if p.jack_frame < written_before]

    def _follow(self, timeline, ppq: int) -> None:
        """A new timeline: a start, a locate, or the same music re-timed."""
        step = self._step(ppq)
        if self._timeline is None:  # a start: from the top, or from somewhere else
            self._start(timeline, ppq, continuing=timeline.anchor_tick > 0)
            return
        self._withdraw()
        old = self._timeline
        last = self._sent[-1] if self._sent else None
        anchor = timeline.anchor_tick
        if last is not None and anchor - ppq <= last.tick + step <= anchor + step:
            # The same music re-timed.  Pulses between the last one out and the new
            # anchor stay where the old timeline had them (it agrees up to there).
            tick = last.tick + step
            while tick < anchor:
                frame = self._jack(old.frame_of(last.pass_number - old.first_pass, tick))
                self.port.send(frame, bytes((CLOCK,)), CLOCK_TAG)
                self._sent.append(Pulse(last.pass_number, tick, frame))
                tick += step
            self._timeline = timeline
            self._until_frame = timeline.frame_of(0, self._first_pulse_tick(anchor, ppq))
            return
        self.jumps += 1  # a locate while playing
        self._start(timeline, ppq, continuing=True)

    def _start(self, timeline, ppq: int, continuing: bool) -> None:
        self._timeline = timeline
        self._sent = []
        first = self._first_pulse_tick(timeline.anchor_tick, ppq)
        frame = self._jack(timeline.frame_of(0, first))
        if continuing:
            self.port.send(frame, song_position(first, ppq), CLOCK_TAG)
            self.port.send(frame, bytes((CONTINUE,)), CLOCK_TAG)
        else:
            self.port.send(frame, bytes((START,)), CLOCK_TAG)
        self._until_frame = timeline.frame_of(0, first)

    def _first_pulse_tick(self, tick: int, ppq: int) -> int:
        step = self._step(ppq)
        return -(-tick // step) * step

    def _jack(self, synth_frame: int) -> int:
        return synth_frame + self.map.offset

    def _send_until(self, timeline, horizon: int, ppq: int) -> None:
        if horizon <= self._until_frame:
            return
        step = self._step(ppq)
        last_pass = self._sent[-1].pass_number if self._sent else None
        for seg in timeline.segments(self._until_frame, horizon):
            number = timeline.first_pass + seg.index
            tick = self._first_pulse_tick(seg.start_tick, ppq)
            while tick < seg.end_tick:
                frame = self._jack(timeline.frame_of(seg.index, tick))
                if last_pass is not None and number != last_pass:
                    # a loop jump: say where the music is now, then the pulse
                    self.port.send(frame, song_position(tick, ppq), CLOCK_TAG)
                self.port.send(frame, bytes((CLOCK,)), CLOCK_TAG)
                self._sent.append(Pulse(number, tick, frame))
                last_pass = number
                tick += step
        self._until_frame = horizon
        if len(self._sent) > 512:  # only the recent ones matter (what may be withdrawn)
            del self._sent[:-64]
