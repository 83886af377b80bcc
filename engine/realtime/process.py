"""The engine process (runs in its own process, started by ``engine.realtime.client`` with spawn).

Three threads, each with one job:

- main thread: asks for realtime scheduling before any other thread exists (so they
  inherit it), opens the synth, then blocks on the command pipe and applies each command
  to the scheduler;
- scheduler thread (realtime): wakes at absolute deadlines every few milliseconds, calls
  ``Scheduler.service()`` (which sends the next look-ahead window to FluidSynth's
  sample-clock sequencer), publishes the position in the shared seqlock block and turns
  what happened into events;
- sender thread (same priority: see ``EventSender._run``): takes events from a
  ``queue.SimpleQueue`` and writes them to the event pipe.  Putting into the queue never
  blocks, so the scheduler never waits for the GUI, however slowly the GUI reads.

No Python runs in the audio thread: FluidSynth's driver renders, and the events it
applies were stamped ahead of time (the "sounddevice" driver, owned by
``engine.audio.synth``, is the one exception).  The scheduler is shared by the main and the
scheduler thread; it guards itself with one short lock of its own.

Exit status: 0 after a shutdown or when the GUI went away (end of the command pipe);
2 when the audio output or the SoundFont would not open (an ``ErrorEvent`` says why);
3 when the scheduler or the command handling failed while running.
"""

from __future__ import annotations

import faulthandler
import os
import platform
import queue
import signal
import threading
import time
import traceback
from dataclasses import replace

import engine
from engine.core import protocol as p
from engine.core.errors import PianolaError
from engine.core.timing import bpm_to_us_per_quarter
from engine.realtime import priority as prio
from engine.realtime.position import PositionBlock

SERVICE_PERIOD_S = 0.004  # scheduler wake-up period while playing: far inside the look-ahead
IDLE_PERIOD_S = 0.020  # while stopped: only the position (after a locate) needs publishing
MAX_QUEUED_EVENTS = 10_000  # beyond this the GUI is not reading: drop cursor events
EXIT_OPEN_FAILED = 2
EXIT_SCHEDULER_FAILED = 3
_STOP_SENDING = object()


def _error_event(exc: BaseException, fatal: bool) -> p.ErrorEvent:
    kind = type(exc).__name__ if isinstance(exc, PianolaError) else "EngineError"
    return p.ErrorEvent(str(exc) or type(exc).__name__, fatal=fatal, kind=kind)


class EventSender:
    """The non-blocking road from the engine's threads to the GUI's event pipe."""

    def __init__(self, conn):
        self._conn = conn
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.dropped = 0
        self._thread = threading.Thread(target=self._run, name="pianola-events", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def put(self, event) -> None:
        """Never blocks (SimpleQueue.put is lock-free with respect to the reader)."""
        self._queue.put(event)

    def put_cursor(self, event) -> None:
        """Notes started and beats are for the display only: drop them, not memory, when
        the GUI has stopped reading."""
        if self._queue.qsize() > MAX_QUEUED_EVENTS:
            self.dropped += 1
        else:
            self._queue.put(event)

    def _run(self) -> None:
        prio.name_os_thread("pianola-events")
        # This thread keeps the realtime priority it inherited, on purpose: it holds the
        # GIL while it pickles, and a normal-priority thread preempted while holding the
        # GIL would keep the scheduler thread waiting (priority inversion).  It costs
        # nothing while it waits: blocked in the queue or in the pipe, it holds no GIL.
        while True:
            event = self._queue.get()
            if event is _STOP_SENDING:
                return
            try:
                self._conn.send(event)
            except (BrokenPipeError, ConnectionResetError, EOFError, OSError):
                return  # the GUI is gone; the main thread sees the end of its pipe

    def close(self, timeout_s: float = 2.0) -> None:
        """Send what is queued, then stop."""
        self._queue.put(_STOP_SENDING)
        self._thread.join(timeout_s)


class Engine:
    """The state of one engine process: backend, scheduler, the score it plays."""

    def __init__(
        self,
        settings,
        scheduling: prio.Scheduling,
        sender: EventSender,
        position: PositionBlock,
        realtime_priority: int | None,
    ):
        self.settings = settings
        self.scheduling = scheduling
        self.sender = sender
        self.position = position
        self.realtime_priority = realtime_priority
        self.backend = None
        self.scheduler = None
        self.stopping = threading.Event()
        self.failed = threading.Event()
        # Bumped by the main thread on every transport jump, read by the scheduler thread
        # (a Python int read is atomic); starts past the last engine's value.
        self.generation = position.read().generation + 1
        self._thread: threading.Thread | None = None
        self.xruns = XrunWatcher(sender)

    # ------------------------------------------------------------------ opening

    def open(self) -> p.ReadyEvent:
        from engine.audio.synth import SynthBackend
        from engine.files.soundfonts import choose_soundfont
        from engine.realtime.scheduler import Scheduler

        choice = choose_soundfont(self.settings.soundfont)
        self.backend = SynthBackend(self.settings, choice.path)
        self.backend.open()
        driver_reason = self.backend.driver_reason or "chosen in the settings"
        if self.backend.driver_name == "jack":
            server = self.settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER")
            driver_reason += "; " + self.xruns.open(server)
        lookahead_frames = self.backend.sample_rate * self.settings.lookahead_ms // 1000
        self.scheduler = Scheduler(
            self.backend, lookahead_frames=lookahead_frames, on_note_started=self._note_started
        )
        return p.ReadyEvent(
            versions=_versions(),
            driver=self.backend.driver_name,
            driver_reason=driver_reason,
            sample_rate=self.backend.sample_rate,
            period_frames=self.backend.period_frames,
            scheduling=str(self.scheduling),
            scheduling_detail=self.scheduling.detail,
            soundfont_path=str(choice.path),
            soundfont_reason=choice.reason,
            preset_names=self.backend.preset_names(),
            pid=os.getpid(),
        )

    # --------------------------------------------------------- scheduler thread

    def start_scheduler_thread(self) -> None:
        self._thread = threading.Thread(
            target=self._service_loop, name="pianola-scheduler", daemon=True
        )
        self._thread.start()

    def _service_loop(self) -> None:
        prio.name_os_thread("pianola-sched")
        if self.realtime_priority is not None:
            # Inherited from the main thread already; asked again so that a scheduler
            # thread started some other way still gets it.
            prio.request_realtime(self.realtime_priority)
        try:
            self._run_service_loop()
        except Exception as exc:  # an error on the timing path must surface, then end us
            traceback.print_exc()
            self.sender.put(p.ErrorEvent(f"The engine's scheduler failed: {exc}.", fatal=True))
            self.failed.set()

    def _run_service_loop(self) -> None:
        was_playing, last_loops = False, 0
        beats = BeatFollower()
        covered_until, covered_generation = None, None
        deadline = time.monotonic()
        while not self.stopping.is_set():
            generation = self.generation
            state = self.scheduler.service()
            score = self.scheduler.score
            # The last service sent everything up to its clock + the look-ahead.  Waking
            # later than that means events in the gap (if any) went out already due.
            if (
                state.playing
                and covered_until is not None
                and covered_generation == generation
                and state.frame > covered_until
            ):
                self.sender.put(p.LateEvent(1, state.frame - covered_until))
            covered_until = state.frame + self.scheduler.lookahead_frames if state.playing else None
            covered_generation = generation
            self.position.write(
                generation,
                state.frame,
                state.tick,
                state.us_per_quarter,
                state.playing,
                state.loop_count,
            )
            if state.playing != was_playing or state.loop_count != last_loops:
                self.sender.put(p.TransportEvent(state.playing, state.tick, state.loop_count))
                if was_playing and not state.playing:
                    self.sender.put(p.StoppedEvent(state.tick))
                was_playing, last_loops = state.playing, state.loop_count
            if state.playing and score is not None:
                beat = beats.new_beat(score, state.tick)
                if beat is not None:
                    self.sender.put_cursor(p.BeatEvent(*beat))
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

    def _note_started(self, track_index: int, note, frame: int) -> None:
        """Called by the scheduler (in the scheduler thread) as each note starts sounding."""
        self.sender.put_cursor(
            p.NoteStartedEvent(
                track_index, note.pitch, note.start_tick, note.length_ticks, max(0, frame)
            )
        )

    # ------------------------------------------------------------- main thread

    def apply(self, command) -> None:
        """Apply one command; a bad command is reported, the engine keeps running."""
        try:
            self._apply(command)
        except (PianolaError, ValueError, IndexError) as exc:
            self.sender.put(_error_event(exc, fatal=False))

    def _apply(self, c) -> None:
        s = self.scheduler
        if isinstance(c, p.LoadScoreCommand):
            s.load_score(c.score)
            self.generation += 1
        elif isinstance(c, p.ReplaceScoreCommand):
            s.replace_score(c.score)
        elif isinstance(c, p.PlayCommand):
            s.play(c.from_tick)
            self.generation += 1
        elif isinstance(c, p.StopCommand):
            s.stop()
            self.generation += 1
        elif isinstance(c, p.LocateCommand):
            s.locate(c.tick)
            self.generation += 1
        elif isinstance(c, p.SetLoopCommand):
            s.set_loop(c.enabled, c.start_tick, c.end_tick)
        elif isinstance(c, p.SetTempoCommand):
            self._set_tempo(c.bpm)
        elif isinstance(c, p.PreviewNoteOnCommand):
            s.preview_on(c.track_index, c.pitch, c.velocity)
        elif isinstance(c, p.PreviewNoteOffCommand):
            s.preview_off(c.track_index, c.pitch)
        elif isinstance(c, p.SetTrackMixCommand):
            s.set_track_mix(c.track_index, **c.fields())
        elif isinstance(c, p.PanicCommand):
            s.panic()
        else:
            raise ValueError(f"the engine does not understand {type(c).__name__}")

    def _set_tempo(self, bpm: float) -> None:
        """Change the tempo in force at the current position (see SetTempoCommand)."""
        score = self.scheduler.score  # includes any mix changes made since it was loaded
        if not score.tracks:
            raise ValueError("there is no song loaded to set the tempo of")
        tempo_map = score.tempo_map
        at_tick = tempo_map.change_at(self.scheduler.position().tick).tick
        self.scheduler.replace_score(
            replace(score, tempo_map=tempo_map.with_change(at_tick, bpm_to_us_per_quarter(bpm)))
        )

    def close(self) -> None:
        """Release every note, stop the scheduler thread, close the audio output."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(1.0)
        if self.scheduler is not None:
            self.scheduler.panic()
        self.xruns.close()
        if self.backend is not None:
            self.backend.close()
        last = self.position.read()
        self.position.write(
            self.generation + 1, last.frame, last.tick, last.us_per_quarter, False, last.loop_count
        )


class BeatFollower:
    """Tells when playback enters another beat (scheduler thread).

    Finding the bar and beat of a tick walks the time-signature map; a beat lasts many
    wake-ups, so that is done only when the tick leaves the beat last found (or the score
    changed), not on every wake-up.
    """

    def __init__(self):
        self._score = None
        self._span = (0, 0)  # ticks [first, end) of the beat last found
        self._beat: tuple[int, int] | None = None  # its (bar, beat)

    def forget(self) -> None:
        """Playback stopped: the next beat found is new even if it is the same one."""
        self._score, self._beat = None, None

    def new_beat(self, score, tick: int) -> tuple[int, int, int] | None:
        """(bar, beat, first tick of the beat) when ``tick`` is in a beat other than the
        last one seen, else None."""
        first, end = self._span
        if score is self._score and first <= tick < end:
            return None
        signatures = score.time_signatures
        found = signatures.tick_to_bar_beat(tick, score.ppq)
        first = tick - found.tick_in_beat
        end = first + signatures.at(tick).beat_ticks(score.ppq)
        for sig in signatures.signatures:  # a new signature starts a bar, even mid-beat
            if first < sig.tick < end:
                end = sig.tick
                break
        self._score, self._span = score, (first, end)
        if (found.bar, found.beat) == self._beat:
            return None
        self._beat = (found.bar, found.beat)
        return found.bar, found.beat, first


class XrunWatcher:
    """Reports the JACK server's xruns as ``XrunEvent``s.

    FluidSynth does not pass xruns on, so the engine opens a second, portless JACK client
    of its own just to be told.  JACK calls the callback in its non-realtime notification
    thread (never the audio thread); all it does is queue an event.  With any other
    driver there is no server to ask, and no XrunEvent is ever sent.
    """

    def __init__(self, sender: EventSender):
        self._sender = sender
        self._client = None

    def open(self, server: str | None) -> str:
        """Start watching; returns a phrase for the ready event's driver reason."""
        try:
            import jack

            client = jack.Client("pianola-xruns", no_start_server=True, servername=server)
            client.set_xrun_callback(self._on_xrun)
            client.activate()
        except (ImportError, OSError, jack.JackError) as exc:
            return f"xruns not observed ({exc})"
        self._client = client
        return "xruns observed"

    def _on_xrun(self, _delayed_usecs: float) -> None:
        self._sender.put(p.XrunEvent(1))

    def close(self) -> None:
        if self._client is not None:
            self._client.deactivate()
            self._client.close()
            self._client = None


def _versions() -> dict:
    from engine.audio import fluid_ffi

    return {
        "pianola": engine.__version__,
        "python": platform.python_version(),
        "fluidsynth": fluid_ffi.version(),
    }


def _serve_commands(engine_state: Engine, commands) -> None:
    """Main thread: apply commands until shutdown, the GUI going away, or a failure."""
    while not engine_state.failed.is_set() and not engine_state.stopping.is_set():
        # A bounded wait, so a scheduler failure or SIGTERM ends us even with no command.
        if not commands.poll(0.25):
            continue
        try:
            command = commands.recv()
        except (EOFError, OSError):  # the GUI died or closed the pipe
            return
        if isinstance(command, p.ShutdownCommand):
            return
        engine_state.apply(command)


def run_engine(
    settings, realtime_priority: int | None, commands, events, position_name: str
) -> None:
    """Entry point of the engine process (the target given to multiprocessing)."""
    # Ctrl-C in a terminal reaches the whole process group: the client decides how to
    # stop (it sends ShutdownCommand), so the engine ignores SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # `kill -USR1 PID` prints every thread's stack: the way to see a stuck engine.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    scheduling = prio.request_realtime(realtime_priority)  # before any thread exists
    position = PositionBlock.attach(position_name)
    sender = EventSender(events)
    sender.start()
    engine_state = Engine(settings, scheduling, sender, position, realtime_priority)
    signal.signal(signal.SIGTERM, lambda *_: engine_state.stopping.set())
    status = 0
    try:
        try:
            ready = engine_state.open()
        except (PianolaError, ValueError) as exc:
            sender.put(_error_event(exc, fatal=True))
            status = EXIT_OPEN_FAILED
            return
        sender.put(ready)
        engine_state.start_scheduler_thread()
        try:
            _serve_commands(engine_state, commands)
        except Exception as exc:  # a bug in command handling: say so, then end
            traceback.print_exc()  # for the developer, on the engine's stderr
            sender.put(p.ErrorEvent(f"The engine failed: {exc}.", fatal=True))
            engine_state.failed.set()
        if engine_state.failed.is_set():
            status = EXIT_SCHEDULER_FAILED
    finally:
        engine_state.close()
        sender.close()
        position.close()
        if status:
            # sys.exit in a multiprocessing target sets the exit code; os._exit would
            # skip flushing the pipe we just drained.
            raise SystemExit(status)
