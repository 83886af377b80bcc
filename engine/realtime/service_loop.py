"""The scheduler loop: the engine's realtime thread (engine scheduler thread).

``ServiceLoop`` wakes at absolute deadlines every few milliseconds while playing (less
often while stopped) and each time:

1. lets the sync source (``engine.sync.hub.SyncHub``: Link, JACK transport) move the
   timeline, then calls ``Scheduler.service()``, which sends the next look-ahead window of timestamped
   events to FluidSynth's sample-clock sequencer;
2. reports a ``LateEvent`` when it woke after the end of the window it last covered;
3. publishes the position in the shared seqlock block (what the GUI's cursor reads);
   as the pattern player shows it (in pattern mode: the place in the pattern), with the
   playing pattern, pass and step for the step grid;
4. turns transport changes into ``TransportEvent``/``StoppedEvent`` and beats into
   ``BeatEvent`` (through the non-blocking ``EventSender``).

An error here must surface: it is reported as a fatal ``ErrorEvent`` and ends the engine.
"""

from __future__ import annotations

import threading
import time
import traceback
from dataclasses import replace

from engine.core.protocol import events as evt
from engine.realtime import priority as prio
from engine.realtime.beat_follower import BeatFollower
from engine.realtime.event_sender import EventSender
from engine.realtime.position import PositionBlock
from engine.realtime.scheduler import Scheduler
from engine.realtime.transport_generation import TransportGeneration

SERVICE_PERIOD_S = 0.004  # scheduler wake-up period while playing: far inside the look-ahead
IDLE_PERIOD_S = 0.020  # while stopped: only the position (after a locate) needs publishing
JUMP_RETRY_S = 0.001  # a transport jump takes the main thread about this long to apply


class ServiceLoop:
    """The scheduler thread: service, publish the position, report (see module doc)."""

    def __init__(
        self,
        scheduler: Scheduler,
        sender: EventSender,
        position: PositionBlock,
        *,
        generation: TransportGeneration,
        stopping: threading.Event,
        failed: threading.Event,
        realtime_priority: int | None,
        sync=None,
        player=None,
    ):
        self.scheduler = scheduler
        self.sync = sync  # serviced first; it also says which tempo to show
        self.sender = sender
        self.position = position
        # bumped by the main thread around every transport jump, published with each
        # position computed while no jump was being applied
        self.generation = generation
        self.stopping = stopping
        self.failed = failed
        self.realtime_priority = realtime_priority
        # the pattern player: moves pattern mode's window on, tells the playing step
        self.player = player
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="pianola-scheduler", daemon=True)
        self._thread.start()

    def join(self, timeout_s: float) -> None:
        """Wait for the thread after ``stopping`` was set."""
        if self._thread is not None:
            self._thread.join(timeout_s)

    def _run(self) -> None:
        prio.name_os_thread("pianola-sched")
        if self.realtime_priority is not None:
            # Inherited from the main thread already; asked again so that a scheduler
            # thread started some other way still gets it.
            prio.request_realtime(self.realtime_priority)
        try:
            self.run()
        except Exception as exc:  # an error on the timing path must surface, then end us
            traceback.print_exc()
            self.sender.put(evt.ErrorEvent(f"The engine's scheduler failed: {exc}.", fatal=True))
            self.failed.set()

    def run(self) -> None:
        """The loop itself, until ``stopping`` is set."""
        scheduler, sender = self.scheduler, self.sender
        was_playing, last_loops = False, 0
        beats = BeatFollower()
        covered_until, covered_generation = None, None
        deadline = time.monotonic()
        while not self.stopping.is_set():
            count = self.generation.read()
            if self.sync is not None:
                self.sync.service()
            state = scheduler.service()
            if self.player is not None:
                self.player.maintain(state.tick, state.playing)
                state = self.player.published(state)  # pattern mode: the place in the pattern
            if not self.generation.settled(count):
                # a jump was being applied meanwhile: this state may be half before it
                time.sleep(JUMP_RETRY_S)
                continue
            generation = self.generation.published(count)
            score = scheduler.score
            # The last service sent everything up to its clock + the look-ahead.  Waking
            # later than that means events in the gap (if any) went out already due.
            if (
                state.playing
                and covered_until is not None
                and covered_generation == generation
                and state.frame > covered_until
            ):
                sender.put(evt.LateEvent(1, state.frame - covered_until))
            covered_until = state.frame + scheduler.lookahead_frames if state.playing else None
            covered_generation = generation
            shown = state.us_per_quarter
            if self.sync is not None:  # Link's session tempo, not the audio clock's count
                shown = self.sync.shown_us_per_quarter(shown)
            self.position.write(replace(state, generation=generation, us_per_quarter=shown))
            if state.playing != was_playing or state.loop_count != last_loops:
                sender.put(evt.TransportEvent(state.playing, state.tick, state.loop_count))
                if was_playing and not state.playing:
                    sender.put(evt.StoppedEvent(state.tick))
                was_playing, last_loops = state.playing, state.loop_count
            if state.playing and score is not None:
                beat = beats.new_beat(score, state.tick)
                if beat is not None:
                    sender.put_cursor(evt.BeatEvent(*beat))
            else:
                beats.forget()
            # Absolute deadlines: a late wake-up shortens the next sleep instead of
            # pushing every later one back.  After a stall longer than a period, start
            # afresh rather than firing a burst of catch-up services.
            # play() sends the first window itself, so the slower idle pace never delays
            # a start: the next service comes well within that first window.
            period = SERVICE_PERIOD_S if state.playing else IDLE_PERIOD_S
            deadline += period
            delay = deadline - time.monotonic()
            if delay < -period:
                deadline = time.monotonic()
            time.sleep(max(0.0, delay))
