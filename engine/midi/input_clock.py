"""Where an incoming MIDI event was played: its JACK frame -> the synth frame heard then
-> the tick and loop pass (engine process, MIDI input thread).

The JACK MIDI helper stamps every incoming event with the JACK frame it arrived at.  The
synth counts its own frames, and "JACK frame - synth frame" is one constant while no
cycle is lost -- the same constant ``JackSink`` (engine.midi.sinks) holds for the way
out, and held the same way.  With the synth on the same JACK server (``same_clock``) it
is read from the two frame counters (``HeldFrameOffset``): no other clock is involved,
so a server whose frames run slow against the monotonic clock (a busy machine's dummy
backend) moves nothing.  Otherwise both clocks go to the monotonic clock
(``engine.midi.clocks``), and the median of the last second's measurements is held
until it moves by more than half a period, so a busy machine's measuring noise never
moves a recorded note.  A note played at JACK frame F is placed at the tick the synth's
output carried at F: what the musician heard while playing it.
"""

from __future__ import annotations

import statistics
import time
from collections import deque
from dataclasses import dataclass

from engine.midi.clocks import HeldFrameOffset, JackClockMap, WallClockMap, synth_frame_exact

HOLD_WINDOW_NS = 1_000_000_000
HOLD_MIN_SAMPLES = 20
# FluidSynth's own drivers show its clock in whole milliseconds (see clocks.py)
MS_CLOCK_DRIVERS = ("jack", "pipewire", "pulse", "alsa")
# messages that say nothing a recording keeps: clock, start/stop, active sensing, reset
REALTIME_STATUS_MIN = 0xF8


@dataclass(frozen=True, slots=True)
class Placed:
    """Where an event falls on the transport: ``tick`` of loop pass ``pass_index``
    (``playing`` False: the transport stood at ``tick``, or the music had not begun:
    played during a count-in, or while a sync source's bar was awaited)."""

    tick: int
    pass_index: int
    playing: bool


class InputClock:
    """JACK frame -> synth frame for events arriving through one JACK MIDI helper port."""

    def __init__(
        self, sample_rate: int, period_frames: int, ms_clock: bool, same_clock: bool = False
    ):
        self.sample_rate = sample_rate
        self.period_frames = period_frames
        self.ms_clock = ms_clock
        self._held = HeldFrameOffset(HOLD_WINDOW_NS, HOLD_MIN_SAMPLES) if same_clock else None
        self.synth_clock = WallClockMap(sample_rate, period_frames)
        self.jack_clock = JackClockMap(sample_rate)
        self.offset: int | None = None  # JACK frame - synth frame, as held
        self._recent: deque[tuple[int, int]] = deque()  # (now_ns, measured offset)

    def sample(
        self, synth_now: int, now_ns: int, cycle_frame: int, cycle_ns: int, cycle_frames: int
    ) -> None:
        """One reading of both clocks (the input thread, every few milliseconds): the
        synth's frames, and the port's latest cycle (its start frame, when it was woken,
        its length)."""
        exact = synth_frame_exact(synth_now, self.sample_rate) if self.ms_clock else synth_now
        if self._held is not None:
            self._held.sample(now_ns, cycle_frame, cycle_frames, exact)
            self.offset = self._held.offset
            return
        self.synth_clock.sample(now_ns, exact)
        self.jack_clock.sample(cycle_frame, cycle_ns)
        at_ns = self.synth_clock.deadline_ns(exact)
        frame = None if at_ns is None else self.jack_clock.frame_at(at_ns)
        if frame is None:
            return
        recent = self._recent
        recent.append((now_ns, frame - exact))
        while recent[0][0] < now_ns - HOLD_WINDOW_NS:
            recent.popleft()
        if len(recent) < HOLD_MIN_SAMPLES and self.offset is not None:
            return
        measured = int(statistics.median(o for _, o in recent))
        if self.offset is None or abs(measured - self.offset) > self.period_frames // 2:
            self.offset = measured

    def synth_frame(self, jack_frame: int) -> int | None:
        """The synth frame heard at ``jack_frame`` (None until both clocks were read)."""
        return None if self.offset is None else jack_frame - self.offset


class InputStamper:
    """Places the events of Pianola's MIDI input on the transport (see module doc).

    ``backend`` is the synth backend (its ``now_frame()`` and driver), ``scheduler`` the
    engine's scheduler (its playing timeline and stopped position), ``port`` the
    ``JackMidiPort`` the events come through."""

    def __init__(self, backend, scheduler, port):
        self.backend = backend
        self.scheduler = scheduler
        self.port = port
        self.clock = InputClock(
            backend.sample_rate,
            getattr(backend, "period_frames", 256),
            getattr(backend, "driver_name", None) in MS_CLOCK_DRIVERS,
            # a synth on JACK counts the frames the port counts (both on this server)
            same_clock=getattr(backend, "driver_name", None) == "jack",
        )

    def sample(self) -> None:
        port = self.port
        self.clock.sample(
            self.backend.now_frame(),
            time.monotonic_ns(),
            port.cycle_frame(),
            port.cycle_ns(),
            port.cycle_frames(),
        )

    def place(self, jack_frame: int) -> Placed:
        return place_frame(self.backend, self.scheduler, self.clock.synth_frame(jack_frame))


class ArrivalStamper:
    """Places the events of an input read through python-rtmidi, stamped on the
    monotonic clock (``engine.midi.rtmidi_input``): the synth's clock is read against the
    monotonic clock (``WallClockMap``) and the moment goes to the synth frame heard then."""

    def __init__(self, backend, scheduler):
        self.backend = backend
        self.scheduler = scheduler
        self.ms_clock = getattr(backend, "driver_name", None) in MS_CLOCK_DRIVERS
        self.synth_clock = WallClockMap(backend.sample_rate, getattr(backend, "period_frames", 256))

    def sample(self) -> None:
        now = self.backend.now_frame()
        exact = synth_frame_exact(now, self.backend.sample_rate) if self.ms_clock else now
        self.synth_clock.sample(time.monotonic_ns(), exact)

    def place(self, at_ns: int) -> Placed:
        return place_frame(self.backend, self.scheduler, self.synth_clock.synth_frame(at_ns))


def place_frame(backend, scheduler, frame: int | None) -> Placed:
    """Where synth frame ``frame`` falls on the transport (None: not measured yet)."""
    timeline = scheduler.timeline()
    if timeline is None:
        return Placed(scheduler.position().tick, 0, False)
    if frame is None:  # not measured yet: when Python got it is the best there is
        frame = backend.now_frame()
    if frame < getattr(scheduler, "music_from_frame", 0) - _early_frames(timeline):
        return Placed(timeline.tick_at(frame), timeline.first_pass, False)
    return Placed(timeline.tick_at(frame), timeline.loop_count_at(frame), True)


def _early_frames(timeline) -> int:
    """How early a note may come and still be the music's first beat (a sixteenth at the
    tempo there): a musician coming in on the count-in's last click plays a hair early."""
    tick, _frame = timeline.pass_start(0)
    us = timeline.tempo_map.change_at(tick).us_per_quarter
    return us * timeline.sample_rate // 4_000_000


def worth_recording(data: bytes) -> bool:
    """Notes, controllers, program changes, pressure and pitch bend; not clock or sensing."""
    return bool(data) and 0x80 <= data[0] < 0xF0 and data[0] < REALTIME_STATUS_MIN
