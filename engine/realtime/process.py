"""The engine process: bootstrap and command handling (engine process, main thread).

``run_engine`` is the target ``engine.realtime.client`` starts with spawn.  It asks for
realtime scheduling before any other thread exists (so they inherit it), opens the synth
(``Engine.open``), starts the other threads, then blocks on the command pipe and applies
each command to the scheduler (``Engine.apply``).  The process has three threads, each
with one job and one module:

- main thread (this module): commands in, applied to the ``Scheduler``;
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

import contextlib
import faulthandler
import functools
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
from engine.midi.ports import port_choices
from engine.midi.router import MidiRouter
from engine.realtime import priority as prio
from engine.realtime.event_sender import EventSender
from engine.realtime.keyboard_input import KeyboardInput
from engine.realtime.level_meter import WINDOW_S, JackMeter, LevelWindow, LoadPublisher
from engine.realtime.position import Position, PositionBlock
from engine.realtime.server_watch import JackServerWatcher
from engine.realtime.service_loop import ServiceLoop
from engine.realtime.sync_target import SyncTarget
from engine.realtime.transport_generation import TransportGeneration
from engine.sync.hub import SyncChoice, SyncHub

if TYPE_CHECKING:  # made in Engine.open(), imported there: the process starts faster
    from engine.audio.synth import SynthBackend
    from engine.realtime.pattern_player import PatternPlayer
    from engine.realtime.scheduler import Scheduler
    from engine.realtime.session_clock import SessionClock

EXIT_OPEN_FAILED = 2
EXIT_SCHEDULER_FAILED = 3


def _error_event(exc: BaseException, fatal: bool) -> evt.ErrorEvent:
    kind = type(exc).__name__ if isinstance(exc, PianolaError) else "EngineError"
    return evt.ErrorEvent(str(exc) or type(exc).__name__, fatal=fatal, kind=kind)


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
        self.click_volume = 100
        self.scheduler: Scheduler | None = None
        self.player: PatternPlayer | None = None  # song and pattern mode over the scheduler
        self.sync: SyncHub | None = None  # the clock followed or led
        self.stopping = threading.Event()
        self.failed = threading.Event()
        # Bumped around every transport jump; starts past the last engine's value.
        self.generation = TransportGeneration(position.read().generation + 1)
        self._loop: ServiceLoop | None = None
        self.xruns = JackServerWatcher(sender.put)  # xruns, and the server going away
        self.meter: JackMeter | None = None  # the JACK level meter's helper, under JACK
        self.load: LoadPublisher | None = None
        self.session_clock: SessionClock | None = None  # a session's shared start -> frames

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

    # ------------------------------------------------------------- main thread

    def apply(self, command) -> None:
        """Apply one command; a bad command is reported, the engine keeps running."""
        try:
            self._apply(command)
        except (PianolaError, ValueError, IndexError) as exc:
            self.sender.put(_error_event(exc, fatal=False))

    def _apply(self, c) -> None:
        # The song, the transport, tempo, loop and mix go through the pattern player,
        # which hands the scheduler what to play in song or pattern mode.
        s, player, sync, router, _backend = self._opened()
        if isinstance(c, cmd.LoadScoreCommand):
            router.prepare(c.score)  # opening a port takes a moment: not under a lock
            with self.generation.jump():
                player.load_score(c.score)
        elif isinstance(c, cmd.ReplaceScoreCommand):
            router.prepare(c.score)
            player.replace_score(c.score)
        elif isinstance(c, cmd.PlayCommand):
            # a sync source starts either mode on its own beat (pattern mode from the
            # pattern's start: the window's cursor is no song position)
            from_tick = None if player.mode == "pattern" else c.from_tick
            with self.generation.jump():
                player.set_run_on(c.record)  # a take plays on past the end, whoever starts it
                if not sync.play(from_tick):
                    player.play(c.from_tick, (c.count_in_bars, self.click_volume), c.record)
        elif isinstance(c, cmd.StopCommand):
            with self.generation.jump():
                if sync.stop():
                    player.set_run_on(False)  # a peer's next start plays the song to its end
                else:
                    player.stop()
        elif isinstance(c, cmd.SetSyncCommand):
            sync.choose(SyncChoice(c.source, c.quantum, c.start_stop_sync, c.port))
        elif isinstance(c, cmd.SetMidiClockOutCommand):
            sync.set_clock_out(c.port)
        elif isinstance(c, cmd.LocateCommand):
            with self.generation.jump():
                player.locate(c.tick)
        elif isinstance(c, cmd.SetLoopCommand):
            player.set_loop(c.enabled, c.start_tick, c.end_tick)
        elif isinstance(c, cmd.SetTempoCommand):
            # pattern mode under Link: the session's tempo (song mode's: the document's,
            # which the source's adapt hands on to the session)
            if player.mode != "pattern" or not sync.request_tempo(c.bpm, c.at_next_bar):
                player.set_tempo(c.bpm, c.at_next_bar)
        elif isinstance(c, cmd.SetMeterCommand):
            tick, in_song = player.set_meter(c.numerator, c.denominator, c.at_next_bar)
            self.sender.put(evt.MeterChangedEvent(tick, c.numerator, c.denominator, in_song))
        elif isinstance(c, cmd.SetPlayModeCommand):
            # under Link while playing: on the session's next bar (the scheduler thread
            # makes it then; a jump of the transport's generation is the main thread's)
            held = functools.partial(player.set_mode, c.mode, c.pattern_id, c.track)
            if not sync.on_next_bar(lambda frame: held(at_frame=frame)):
                with self.generation.jump():
                    player.set_mode(c.mode, c.pattern_id, c.track)
        elif isinstance(c, cmd.QueuePatternCommand):
            player.queue_pattern(c.pattern_id)
        elif isinstance(c, cmd.SetFillCommand):
            player.set_fill(c.on)
        elif isinstance(c, cmd.PreviewNoteOnCommand):
            s.preview_on(c.track_index, c.pitch, c.velocity)
        elif isinstance(c, cmd.PreviewNoteOffCommand):
            s.preview_off(c.track_index, c.pitch)
        elif isinstance(c, cmd.SetTrackMixCommand):
            player.set_track_mix(c.track_index, **c.fields())
        elif isinstance(c, cmd.PanicCommand):
            s.panic()
        elif isinstance(c, cmd.ListMidiPortsCommand):
            server = self.settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER")
            self.sender.put(evt.MidiPortsEvent(*port_choices(server)))
        elif isinstance(c, cmd.SetMidiInputCommand):
            self.keys.choose(c.source, c.track_index)
        elif isinstance(c, cmd.SetMetronomeCommand):
            s.set_metronome(c.enabled, c.volume)
            self.click_volume = c.volume  # the count-in's too
        elif isinstance(
            c,
            (
                cmd.ReplaceScoreAtCommand,
                cmd.PlayAtCommand,
                cmd.ReportScheduledCommand,
                cmd.SetLinkTempoCommand,
            ),
        ):
            self._apply_session(c)
        else:
            raise ValueError(f"the engine does not understand {type(c).__name__}")

    def _apply_session(self, c) -> None:
        """A shared session's commands: timed take-overs, a start on the shared clock."""
        s, player, sync, _router, backend = self._opened()
        if isinstance(c, cmd.ReplaceScoreAtCommand):
            # the song's patterns play as their notes (song mode), one realisation of the
            # dice, at the sync source's tempo (under Link: Link's)
            played = sync.adapt(player.adopt_song(c.score))
            pass_index, tick, in_time = s.replace_score_at(
                played, c.pass_index, c.tick, withdraw_later=c.withdraw_later
            )
            self.sender.put(evt.TakeOverEvent(c.version, pass_index, tick, in_time))
        elif isinstance(c, cmd.PlayAtCommand):
            clock = self._session_clock()
            aligner = clock.aligner
            with aligner.lock if aligner is not None else contextlib.nullcontext():
                at_frame = clock.frame_heard_at(c.at_ns)
                if at_frame is None:  # the clock could not be read: one reading of each
                    now_ns, now_frame = time.monotonic_ns(), backend.now_frame()
                    rate = backend.sample_rate
                    at_frame = now_frame + (c.at_ns - now_ns) * rate // 1_000_000_000
                with self.generation.jump():
                    s.play(c.from_tick, at_frame=at_frame, in_phase=True)
                if aligner is not None:  # kept on the shared clock from here on
                    aligner.start(at_frame, c.at_ns)
            sync.follow_session_start()  # under Link: into Link's phase (its aligner aside)
        elif isinstance(c, cmd.SetLinkTempoCommand):
            sync.set_link_tempo(c.bpm)
        else:
            sync.join_session()
            self._session_clock()  # a session is starting: its clock reads ahead of the start
            send = self.sender.put
            s.on_scheduled = (
                (lambda notes: send(evt.NotesScheduledEvent(tuple(notes)))) if c.enabled else None
            )
            s.on_mixed = (
                (lambda mixes: send(evt.MixScheduledEvent(tuple(mixes)))) if c.enabled else None
            )

    def _session_clock(self) -> SessionClock:
        if self.session_clock is None:
            from engine.realtime.session_clock import SessionClock

            backend = self._opened()[4]
            server = self.settings.jack_server or os.environ.get("JACK_DEFAULT_SERVER")
            uses_jack = backend.driver_name == "jack"
            from engine.realtime.session_sync import SessionSyncReport

            sync = self._opened()[2]
            clock = self.session_clock = SessionClock(backend, server, uses_jack).open()
            if uses_jack:  # JACK drops cycles on a busy machine: follow its clock
                from engine.realtime.session_align import SessionAligner

                realigner = SessionAligner(
                    self._opened()[0],
                    clock.frame_at,
                    lambda: self.generation.current,
                    block_frames=clock.block_frames,
                    stands_aside=sync.link_leads,  # Link keeps the beat: one re-timer
                )
                rate, send = backend.sample_rate, self.sender.put
                realigner.on_corrected = lambda shift: send(
                    evt.RealignedEvent(shift, realigner.block_frames, rate)
                )
                clock.aligner = realigner
            aligner = clock.aligner
            clock.on_check = SessionSyncReport(
                sync, lambda: 0 if aligner is None else aligner.corrections, self.sender.put
            ).check
        return self.session_clock

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
        if self.session_clock is not None:
            self.session_clock.close()
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


def _serve_commands(engine_state: Engine, commands) -> None:
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
            sender.put(_error_event(exc, fatal=True))
            status = EXIT_OPEN_FAILED
            return
        sender.put(ready)
        engine_state.start_scheduler_thread()
        try:
            _serve_commands(engine_state, commands)
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
