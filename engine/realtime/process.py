"""The engine process: its bootstrap and its parts (engine process, main thread).

``run_engine`` is the target ``engine.realtime.client`` starts with spawn.  It asks for
realtime scheduling before any other thread exists (so they inherit it), opens the synth
and the parts that play through it (``Engine.open``), starts the other threads, then
blocks on the command pipe and hands each command to the ``CommandHandler``
(``engine.realtime.command_handler``), which applies it to those parts.  The process has
three threads, each with one job:

- main thread (this module, and ``engine.realtime.command_handler`` for what each
  command does): commands in, applied to the ``Scheduler``;
- scheduler thread (``engine.realtime.service_loop``): the realtime loop that sends each
  look-ahead window to FluidSynth's sample-clock sequencer and publishes the position;
- sender thread (``engine.realtime.event_sender``): writes events to the GUI's pipe, so
  putting an event never blocks the scheduler thread.

No Python runs in the audio thread: FluidSynth's driver renders, and the events it
applies were stamped ahead of time (our own output threads for "sounddevice" and
"none", in ``engine.audio.outputs``, only call FluidSynth's render).  The scheduler is
shared by the main and the scheduler thread; it guards itself with one short lock.

Exit status: 0 after a shutdown or when the GUI went away (end of the command pipe);
2 when the audio output or the SoundFont would not open (an ``ErrorEvent`` says why);
3 when the scheduler or the command handling failed while running.
"""

from __future__ import annotations

import faulthandler
import os
import platform
import signal
import threading
import time
import traceback
from typing import TYPE_CHECKING

import engine
from engine.audio.group_mix import MeterTarget
from engine.core.errors import PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.midi.router import MidiRouter
from engine.realtime import priority as prio
from engine.realtime.command_handler import CommandHandler, error_event
from engine.realtime.event_sender import EventSender
from engine.realtime.keyboard_input import KeyboardInput
from engine.realtime.level_meter import WINDOW_S, JackMeter, LevelWindow, LoadPublisher
from engine.realtime.position import Position, PositionBlock
from engine.realtime.server_watch import JackServerWatcher
from engine.realtime.service_loop import ServiceLoop
from engine.realtime.sync_target import SyncTarget
from engine.realtime.transport_generation import TransportGeneration
from engine.sync.hub import SyncHub

if TYPE_CHECKING:  # made in Engine.open(), imported there: the process starts faster
    from engine.audio.synth import SynthBackend
    from engine.realtime.pattern_player import PatternPlayer
    from engine.realtime.scheduler import Scheduler

EXIT_OPEN_FAILED = 2
EXIT_SCHEDULER_FAILED = 3


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
        # made by open(); None until then (and after a failed open, for close())
        self.backend: SynthBackend | None = None
        self.router: MidiRouter | None = None  # the synth and the MIDI ports, by track
        server = settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER")
        self.keys = KeyboardInput(self, server)  # MIDI input, opened when asked for
        self.scheduler: Scheduler | None = None
        self.player: PatternPlayer | None = None  # song and pattern mode over the scheduler
        self.sync: SyncHub | None = None  # the clock followed or led
        self.handler: CommandHandler | None = None  # applies the commands, once open
        self.stopping = threading.Event()
        self.failed = threading.Event()
        # Bumped around every transport jump; starts past the last engine's value.
        self.generation = TransportGeneration(position.read().generation + 1)
        self._loop: ServiceLoop | None = None
        self.xruns = JackServerWatcher(sender.put)  # xruns, and the server going away
        self.meter: JackMeter | None = None  # the JACK level meter's helper, under JACK
        self.load: LoadPublisher | None = None

    # ------------------------------------------------------------------ opening

    def open(self) -> evt.ReadyEvent:
        from engine.audio.synth import SynthBackend
        from engine.files.soundfonts import choose_soundfont
        from engine.realtime.pattern_player import PatternPlayer
        from engine.realtime.scheduler import Scheduler

        choice = choose_soundfont(self.settings.soundfont)
        backend = self.backend = SynthBackend(self.settings, choice.path)
        # each track's peak and the output's, measured in the audio callback where it can be
        backend.meter_target = MeterTarget(*self.position.level_addresses(), WINDOW_S)
        backend.open()
        # otherwise outputs we render ourselves measure their own blocks (JACK's: see below)
        backend.level_sink = LevelWindow(self.position, backend.sample_rate).feed
        self.load = LoadPublisher(self.position, backend.cpu_load)
        driver_reason = backend.driver_reason or "chosen in the settings"
        server = self.settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER")
        if backend.driver_name == "jack":
            driver_reason += "; " + self.xruns.open(server)
            if not backend.metered:  # the whole mix measured by a JACK helper instead
                self.meter = JackMeter(self.position.name, server).start()
        if backend.meter_reason:
            driver_reason += "; " + backend.meter_reason
        router = self.router = MidiRouter(
            backend, jack_server=server, on_problem=self._midi_problem
        )
        if backend.driver_name == "jack":  # for other programs to connect to, at once
            threading.Thread(
                target=router.open_own_port, name="pianola-own-midi-out", daemon=True
            ).start()
        lookahead_frames = backend.sample_rate * self.settings.lookahead_ms // 1000
        scheduler = self.scheduler = Scheduler(
            router, lookahead_frames=lookahead_frames, on_note_started=self._note_started
        )
        # every song-mode score passes through the sync source (a Link or JACK master's
        # tempo); pattern mode plays at the tempo the source imposes
        player = self.player = PatternPlayer(
            scheduler,
            adapt=lambda score: self._opened()[2].adapt(score),
            imposed_tempo=lambda: self._opened()[2].imposed_us_per_quarter(),
            quantum_ticks=lambda ppq: self._opened()[2].quantum_ticks(ppq),
        )
        # the source moves the scheduler in song mode, the player in pattern mode
        self.sync = SyncHub(
            SyncTarget(scheduler, player),
            jack_server=server,
            uses_jack=backend.driver_name == "jack",
            say=lambda *said: self.sender.put(evt.SyncEvent(*said)),
        )
        # under Link a timed take-over plays Link's tempo in force when it takes over
        scheduler.imposed_tempo = self.sync.link_us_per_quarter
        self.handler = CommandHandler(
            scheduler,
            player,
            self.sync,
            router,
            backend,
            generation=self.generation,
            sender=self.sender,
            keys=self.keys,
            jack_server=server,
        )
        driver = backend.driver_name
        assert driver is not None  # open() chose it
        return evt.ReadyEvent(
            versions=_versions(),
            driver=driver,
            driver_reason=driver_reason,
            sample_rate=backend.sample_rate,
            period_frames=backend.period_frames,
            scheduling=str(self.scheduling),
            scheduling_detail=self.scheduling.detail,
            soundfont_path=str(choice.path),
            soundfont_reason=choice.reason,
            preset_names=backend.preset_names(),
            pid=os.getpid(),
        )

    def _opened(self) -> tuple[Scheduler, PatternPlayer, SyncHub, MidiRouter, SynthBackend]:
        """The parts open() makes, for what runs only after it succeeded."""
        s, player, sync = self.scheduler, self.player, self.sync
        router, backend = self.router, self.backend
        if s is None or player is None or sync is None or router is None or backend is None:
            raise PianolaError("The engine is not open yet.")
        return s, player, sync, router, backend

    # --------------------------------------------------------- scheduler thread

    def start_scheduler_thread(self) -> None:
        scheduler, player, sync, _router, _backend = self._opened()
        self._loop = ServiceLoop(
            scheduler,
            self.sender,
            self.position,
            generation=self.generation,
            stopping=self.stopping,
            failed=self.failed,
            realtime_priority=self.realtime_priority,
            sync=sync,
            player=player,
        )
        self._loop.start()

    def watch_clock(self) -> None:
        """Main thread: the synth's clock to the server watcher (a dead server stops it)."""
        if self.backend is not None:
            self.xruns.frames_moved(self.backend.now_frame(), time.monotonic())

    def _midi_problem(self, message: str) -> None:
        """A MIDI port that cannot be opened or went away: said once, music goes on."""
        self.sender.put(evt.ErrorEvent(message, fatal=False, kind="MidiPortError"))

    def _note_started(self, track_index: int, note, frame: int) -> None:
        """Called by the scheduler (in the scheduler thread) as each note starts sounding.

        Song mode only: the window lights the roll's notes by them, and pattern mode's
        played ticks are no place in the song (its steps are lit from the position
        counter), so there they would only cost a message a note."""
        if self.player is None or self.player.mode == "pattern":
            return
        self.sender.put_cursor(
            evt.NoteStartedEvent(
                track_index, note.pitch, note.start_tick, note.length_ticks, max(0, frame)
            )
        )

    def close(self) -> None:
        """Release every note, stop the scheduler thread, close the audio output."""
        self.stopping.set()
        if self._loop is not None:
            self._loop.join(1.0)
        if self.scheduler is not None:
            self.scheduler.panic()
        if self.sync is not None:
            self.sync.close()
        self.xruns.close()
        if self.handler is not None:
            self.handler.close()  # a session's clock
        self.keys.close()
        if self.router is not None:
            self.router.close()  # each port ends the notes it started
        if self.meter is not None:
            self.meter.close()
            self.meter = None
        if self.backend is not None:
            self.backend.close()
        last = self.position.read()
        self.position.write(
            Position(
                self.generation.current + 1,
                last.frame,
                last.tick,
                last.us_per_quarter,
                False,
                last.loop_count,
            )
        )


def _versions() -> dict:
    from engine.audio import fluid_ffi

    return {
        "pianola": engine.__version__,
        "python": platform.python_version(),
        "fluidsynth": fluid_ffi.version(),
    }


def _serve_commands(engine_state: Engine, handler: CommandHandler, commands) -> None:
    """Main thread: apply commands until shutdown, the GUI going away, or a failure."""
    while not engine_state.failed.is_set() and not engine_state.stopping.is_set():
        # A bounded wait, so a scheduler failure or SIGTERM ends us even with no command.
        if engine_state.load is not None:
            engine_state.load.publish(time.monotonic())
        engine_state.watch_clock()
        if not commands.poll(0.25):
            continue
        try:
            command = commands.recv()
        except (EOFError, OSError):  # the GUI died or closed the pipe
            return
        if isinstance(command, cmd.ShutdownCommand):
            return
        handler.apply(command)


def run_engine(
    settings, realtime_priority: int | None, commands, events, position_name: str
) -> None:
    """Entry point of the engine process (the target given to multiprocessing)."""
    # Ctrl-C in a terminal reaches the whole process group: the client decides how to
    # stop (it sends ShutdownCommand), so the engine ignores SIGINT.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # `kill -USR1 PID` prints every thread's stack: the way to see a stuck engine.
    faulthandler.register(signal.SIGUSR1, all_threads=True)
    faulthandler.enable(all_threads=True)  # a crash in C prints where Python was, too
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
            sender.put(error_event(exc, fatal=True))
            status = EXIT_OPEN_FAILED
            return
        sender.put(ready)
        engine_state.start_scheduler_thread()
        handler = engine_state.handler
        assert handler is not None  # open() made it
        try:
            _serve_commands(engine_state, handler, commands)
        except Exception as exc:  # a bug in command handling: say so, then end
            traceback.print_exc()  # for the developer, on the engine's stderr
            sender.put(evt.ErrorEvent(f"The engine failed: {exc}.", fatal=True))
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
