"""MIDI clock in: follow another program's 24-per-quarter clock, Start/Stop/Continue and
song position (engine scheduler thread; the port's helper process stamps what arrives).

The incoming clock is turned into a session like Link's, and the Link follower does the
rest (tempo, the beat pulled onto the pulses, start and stop).  Its "host time" is JACK's
frame time, the clock the pulses arrive stamped with: pulse *k* arrives at frame
``a + b * k``, the least-squares line through the last bar of pulses (96), so the tempo
``60 * rate / (24 * b)`` is the clock's average over a bar, not one pulse's jitter; with
fewer pulses the line is fitted through what there is.  The music follows that line:
beat = pulse / 24.

- Start: the music's tick 0 is the next pulse (the follower starts on the first pulse it
  can still reach, at the tick that pulse has).  Continue: the same from the position the
  last song position pointer set.  Stop: stop.  A song position pointer while stopped
  moves the cursor.
- A rate beyond 20-999 BPM is refused, said once, and not followed.
- When the pulses stop arriving the music plays on along the line (the last tempo), and
  that is said once.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from engine.sync.link_session import LinkSnapshot

PULSES = 24
BAR_PULSES = 96
CLOCK, START, CONTINUE, STOP, SONG_POSITION = 0xF8, 0xFA, 0xFB, 0xFC, 0xF2
MIN_BPM, MAX_BPM = 20.0, 999.0
TEMPO_STEP = 5e-4  # a new fitted tempo is taken beyond this relative change (0.05 %)
STEADY = 0.25  # pulses this close to their line (in pulses) tell a lost pulse from jitter


@dataclass(frozen=True, slots=True)
class PulseLine:
    """``frame = origin_frame + frames_per_pulse * (pulse - origin_pulse)``."""

    origin_pulse: int
    origin_frame: float
    frames_per_pulse: float

    def frame_of(self, pulse: float) -> float:
        return self.origin_frame + self.frames_per_pulse * (pulse - self.origin_pulse)

    def pulse_at(self, frame: float) -> float:
        return self.origin_pulse + (frame - self.origin_frame) / self.frames_per_pulse


def fit_pulses(pulses) -> PulseLine | None:
    """The least-squares line through (pulse number, frame) pairs (None with fewer than 2)."""
    n = len(pulses)
    if n < 2:
        return None
    k0, f0 = pulses[0]
    xs = [k - k0 for k, _ in pulses]
    ys = [f - f0 for _, f in pulses]
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    if sxx == 0:
        return None
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    if slope <= 0:
        return None
    return PulseLine(k0, f0 + my - slope * mx, slope)


class MidiClockSession:
    """The incoming clock as a session (the surface ``LinkFollower`` reads).

    ``now_frame()`` gives JACK's frame now; ``feed(events)`` takes what the port received:
    (JACK frame, bytes).  ``say(text)`` reports a change once."""

    start_stop_sync = True
    quantum = 1.0 / PULSES  # a start lands on a pulse

    def __init__(self, sample_rate: int, now_frame, ppq: int, say=None, locate=None):
        self.sample_rate = sample_rate
        self.now_frame = now_frame
        self.ppq = ppq
        self.say = say or (lambda text: None)
        self.locate = locate or (lambda tick: None)
        self._pulses: deque[tuple[int, int]] = deque(maxlen=BAR_PULSES + 1)
        self._count = 0  # pulses seen
        self._line: PulseLine | None = None
        self._steady = False  # the last bar's pulses all close to their line
        self._bpm: float | None = None
        self._playing = False
        self._changed_frame = 0
        self.position_tick = 0  # where Continue starts (set by song position pointers)
        self.anchor: tuple[int, float] | None = None  # (tick, beat) of the last start
        self._armed: int | None = None  # tick the next pulse starts from (Start/Continue)
        self._refused = False
        self._lost_said = False

    # --- what arrives ----------------------------------------------------------------
    def feed(self, events) -> None:
        for frame, data in events:
            status = data[0] if data else 0
            if status == CLOCK:
                self._pulse(frame)
            elif status == START:
                self._armed, self.position_tick = 0, 0
            elif status == CONTINUE:
                self._armed = self.position_tick
            elif status == STOP:
                self._armed = None
                if self._playing:
                    self._playing, self._changed_frame = False, frame
            elif status == SONG_POSITION and len(data) >= 3:
                self.position_tick = (data[1] | data[2] << 7) * self.ppq // 4
                if not self._playing:
                    self.locate(self.position_tick)
        self._check_lost()

    def _pulse(self, frame: int) -> None:
        # A pulse can be lost on the way (a JACK cycle the port's client missed under
        # load): numbered by arrival, every later pulse would be a pulse off, the music a
        # 24th of a beat late for each.  On a steady clock the gap says how many are lost.
        step = 1
        if self._steady and self._line is not None:
            gap = frame - self._pulses[-1][1]
            step = max(1, round(gap / self._line.frames_per_pulse))
        self._count += step
        self._pulses.append((self._count, frame))
        self._lost_said = False
        line = fit_pulses(list(self._pulses))
        if line is None:
            return
        self._steady = len(self._pulses) >= PULSES and all(
            abs(f - line.frame_of(k)) < STEADY * line.frames_per_pulse for k, f in self._pulses
        )
        bpm = 60.0 * self.sample_rate / (PULSES * line.frames_per_pulse)
        if not MIN_BPM <= bpm <= MAX_BPM:
            if not self._refused and len(self._pulses) >= PULSES:
                self.say(
                    f"The incoming MIDI clock runs at {bpm:.0f} BPM, outside "
                    f"{MIN_BPM:g}-{MAX_BPM:g} BPM: it is not followed."
                )
                self._refused = True
            return
        self._refused = False
        self._line = line
        if self._bpm is None or abs(bpm / self._bpm - 1) > TEMPO_STEP or len(self._pulses) <= 8:
            self._bpm = bpm
        if self._armed is not None:
            # this pulse is the start: the music's tick here is where Start/Continue said
            self.anchor = (self._armed, self._count / PULSES)
            self._armed = None
            self._playing, self._changed_frame = True, frame

    def _check_lost(self) -> None:
        if self._line is None or not self._playing or self._lost_said:
            return
        last_frame = self._pulses[-1][1]
        if self.now_frame() - last_frame > max(
            6 * self._line.frames_per_pulse, self.sample_rate // 2
        ):
            self.say(f"The MIDI clock stopped arriving: playing on at {self._bpm:.2f} BPM.")
            self._lost_said = True

    # --- the session surface (read by the follower) ----------------------------------
    def now_us(self) -> int:
        return int(self.now_frame())

    @property
    def ready(self) -> bool:
        return self._line is not None and not self._refused

    def snapshot(self, host_us=None) -> LinkSnapshot:
        at = self.now_us() if host_us is None else int(host_us)
        bpm = self._bpm if self._bpm is not None else 120.0
        return LinkSnapshot(
            at,
            bpm,
            self.beat_at(at) if self._line else 0.0,
            1 if self.ready else 0,
            self._playing and self._line is not None,
            self._changed_frame,
        )

    def _fitted(self) -> PulseLine:
        if self._line is None:
            raise ValueError("no MIDI clock pulse has been fitted yet")
        return self._line

    def beat_at(self, frame: float) -> float:
        return self._fitted().pulse_at(frame) / PULSES

    def time_at_beat(self, beat: float) -> float:
        return self._fitted().frame_of(beat * PULSES)

    def next_quantum_beat(self, frame: float) -> float:
        return math.ceil(self._fitted().pulse_at(frame) - 1e-9) / PULSES

    def set_tempo(self, tempo_bpm: float, host_us=None) -> None:
        """The clock's sender owns the tempo: Pianola's own change waits for it."""

    def set_playing(self, playing: bool, host_us: int) -> None:
        """Start and stop belong to the clock's sender too."""


class JackFrameClock:
    """Synth frames <-> JACK frames (the "host time" of a MIDI clock session)."""

    rate_ratio = 1.0  # both count the same samples

    def __init__(self, port, sample_rate: int):
        from engine.midi.clocks import JackFrameMap, synth_frame_exact

        self.port = port
        self.sample_rate = sample_rate
        self.map = JackFrameMap()
        self._exact = synth_frame_exact

    def update(self, synth_now: int) -> None:
        self.map.sample(
            self.port.cycle_frame(),
            self.port.cycle_frames(),
            self._exact(synth_now, self.sample_rate),
        )

    @property
    def usable(self) -> bool:
        return self.map.offset is not None

    ready = usable

    def _offset(self) -> int:
        if self.map.offset is None:
            raise ValueError("the JACK port has not run a cycle yet")
        return self.map.offset

    def synth_frame_heard_at(self, jack_frame: float) -> float:
        return jack_frame - self._offset()

    def host_us_heard_at(self, synth_frame: float) -> float:
        return synth_frame + self._offset()


class MidiClockFollower:
    """The Link follower driven by a ``MidiClockSession`` (see module doc).

    ``received()`` returns what the clock's input port got since the last call."""

    def __init__(self, scheduler, session: MidiClockSession, clock, received, say=None):
        from engine.sync.link_follower import LinkFollower

        class Follower(LinkFollower):
            announce_peers = False

            def _follow_transport(self, snap) -> None:
                if snap.playing == self._session_playing:
                    return
                if snap.playing and not self._settled():
                    return
                self._session_playing = snap.playing
                if snap.playing:
                    # The start pulse has passed by the time it is read: play from its tick
                    # at once, the music as late as that; the next period re-times it onto
                    # the pulses, its first note sounding late rather than not at all.
                    if self._ref is not None:
                        self.scheduler.stop()
                    anchor = session.anchor
                    if anchor is None:  # playing is only ever set with an anchor
                        return
                    tick, at_beat = anchor
                    self._ref = (float(self.scheduler.play(tick)), at_beat)
                elif self._ref is not None:
                    self._ref = None
                    self.scheduler.stop()

        self.session = session
        self.received = received
        self.follower = Follower(scheduler, session, clock, say=say)

    @property
    def shown_us_per_quarter(self) -> int:
        return self.follower.shown_us_per_quarter

    @property
    def peers(self) -> int:
        return 0

    def adapt(self, score):
        return self.follower.adapt(score)

    def service(self) -> None:
        self.session.feed(self.received())
        self.follower.service()

    def start(self, from_tick=None) -> None:
        """Pianola's own play: the clock's sender starts the music, not Pianola."""

    def stop(self) -> None:
        self.follower.stop()
