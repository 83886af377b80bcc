"""The GUI's proxy for the engine process (runs in the GUI thread; one helper thread
writes commands).

``EngineClient`` starts the engine with the ``spawn`` start method, talks to it over two
one-way pipes and reads the cursor from the shared seqlock block.  Nothing here blocks
the caller: commands go through a queue that a helper thread writes to the pipe (a big
score would otherwise fill the pipe while the engine is still opening its audio), and
``poll_events`` only reads what is already there.

Engine death is noticed two ways, both cheap enough for every animation frame: the end
of the event pipe (its only writer was the engine) and the process sentinel.  Either
makes ``poll_events`` return an ``EngineDiedEvent``; a Tk GUI watching ``event_fd`` with
``createfilehandler`` is woken by the pipe's end at once.  ``restart()`` then starts a
new engine and sends it the song, loop, mix and transport the client remembers;
``restart_nowait()`` does the same without waiting for the new engine to be ready.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.connection
import queue
import threading
import time
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from engine.core import errors
from engine.core.audio_settings import AudioSettings
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.protocol.sender import CommandSender
from engine.realtime.position import Position, PositionBlock
from engine.realtime.priority import DEFAULT_PRIORITY, check_priority
from engine.realtime.restart_state import RestartState

_STOP = object()
JOIN_TIMEOUT_S = 3.0


class _CommandWriter:
    """A thread that writes queued commands to the pipe, so ``send`` never blocks."""

    def __init__(self, conn):
        self._conn = conn
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="pianola-commands", daemon=True)
        self._thread.start()

    def put(self, command) -> None:
        self._queue.put(command)

    def _run(self) -> None:
        while (command := self._queue.get()) is not _STOP:
            try:
                self._conn.send(command)
            except (BrokenPipeError, ConnectionResetError, OSError):
                return  # the engine is gone: death detection reports it

    def close(self, timeout_s: float = 1.0) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout_s)
        self._conn.close()


class EngineClient(CommandSender):
    """Start, command and watch the engine process (see the module docstring)."""

    def __init__(
        self, settings: AudioSettings, *, realtime: bool = True, priority: int = DEFAULT_PRIORITY
    ):
        if not isinstance(settings, AudioSettings):
            raise ValueError(f"settings must be AudioSettings, not {settings!r}")
        check_priority(priority)
        self.settings = settings
        self.realtime = realtime
        self.priority = priority
        self._ctx = multiprocessing.get_context("spawn")
        self._process: BaseProcess | None = None
        self._events: Connection | None = None  # the engine's events come in here
        self._writer: _CommandWriter | None = None
        self._position: PositionBlock | None = None
        self._pending: list = []  # events read by wait_ready, not yet handed out
        self._closing = False
        self._died_reported = False
        self._last_error: evt.ErrorEvent | None = None
        self.ready: evt.ReadyEvent | None = None
        self._remembered = RestartState()  # what restart() sends again

    # ----------------------------------------------------------------- lifetime

    def start(self) -> EngineClient:
        """Spawn the engine and return at once; ``wait_ready`` or ``poll_events`` follow."""
        if self._process is not None:
            raise errors.EngineError("The engine is already started.")
        from engine.realtime.process import run_engine

        if self._position is None:
            self._position = PositionBlock.create()
        command_reader, command_writer = self._ctx.Pipe(duplex=False)
        event_reader, event_writer = self._ctx.Pipe(duplex=False)
        process = self._process = self._ctx.Process(
            target=run_engine,
            name="pianola-engine",
            daemon=True,
            args=(
                self.settings,
                self.priority if self.realtime else None,
                command_reader,
                event_writer,
                self._position.name,
            ),
        )
        process.start()
        # Our copies of the engine's ends must go, or the pipes would never report its end.
        command_reader.close()
        event_writer.close()
        self._events = event_reader
        self._writer = _CommandWriter(command_writer)
        self._closing = False
        self._died_reported = False
        self._last_error = None
        self._pending = []
        self.ready = None
        return self

    def wait_ready(self, timeout_s: float = 20.0) -> evt.ReadyEvent:
        """Block until the engine reports ready; raise its error (one sentence) if it fails."""
        if self.ready is not None:
            return self.ready
        deadline = time.monotonic() + timeout_s
        while True:
            events = self._read_available()
            # Everything read on the way stays for poll_events, the death report too.
            self._pending.extend(events)
            for event in events:
                if isinstance(event, evt.ErrorEvent) and event.fatal:
                    raise _error_class(event.kind)(event.message)
                if isinstance(event, evt.EngineDiedEvent):
                    raise errors.EngineDiedError(event.message)
            if self.ready is not None:
                self._pending.remove(self.ready)
                return self.ready
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise errors.EngineError(
                    f"The engine did not report ready within {timeout_s:g} seconds."
                )
            process, events_in = self._started()
            multiprocessing.connection.wait([events_in, process.sentinel], min(remaining, 0.5))

    @property
    def event_fd(self) -> int:
        """Readable when events wait, and when the engine has died (for createfilehandler)."""
        return self._started()[1].fileno()

    @property
    def death_fd(self) -> int:
        """The process sentinel: readable once the engine process has ended."""
        return self._started()[0].sentinel

    def _started(self) -> tuple[BaseProcess, Connection]:
        """The engine process and its event pipe (the engine was started)."""
        if self._process is None or self._events is None:
            raise errors.EngineError("The engine is not started.")
        return self._process, self._events

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process is not None else None

    def is_alive(self) -> bool:
        return self._process is not None and self._process.is_alive()

    def poll_events(self) -> list:
        """Every event waiting now, never blocking; ends with an ``EngineDiedEvent`` once
        if the engine ended without being asked to."""
        events, self._pending = self._pending, []
        events.extend(self._read_available())
        return events

    def _read_available(self) -> list:
        if self._events is None:
            return []
        events, ended = self._drain()
        if self._closing or self._died_reported or self._process is None:
            return events
        if ended or multiprocessing.connection.wait([self._process.sentinel], 0):
            # The kernel closes a dying process's pipes a moment before its exit status
            # can be collected: wait that moment out, so the death is reported now.
            self._process.join(1.0)
        if not self._process.is_alive():
            events.extend(self._drain()[0])  # what it wrote just before it ended
            events.append(self._death_event())
            self._died_reported = True
        return events

    def _drain(self) -> tuple[list, bool]:
        """The events already in the pipe, and whether its far end has closed."""
        events: list = []
        events_in = self._started()[1]
        try:
            while events_in.poll(0):
                event = events_in.recv()
                self._remember_event(event)
                events.append(event)
        except (EOFError, OSError):
            return events, True  # only the engine's exit closes its end
        return events, False

    def _remember_event(self, event) -> None:
        if isinstance(event, evt.ReadyEvent):
            self.ready = event
        elif isinstance(event, evt.ErrorEvent):
            self._last_error = event

    def _death_event(self) -> evt.EngineDiedEvent:
        code = self._started()[0].exitcode
        if self._last_error is not None and self._last_error.fatal:
            why = self._last_error.message
        elif code is not None and code < 0:
            why = f"it was killed by signal {-code}"
        else:
            why = f"it exited with status {code}"
        return evt.EngineDiedEvent(code, f"The audio engine stopped unexpectedly: {why}")

    def restart(self, timeout_s: float = 20.0) -> evt.ReadyEvent:
        """End the old engine (if still there), start a new one, wait until it is ready,
        and send it the song, loop, tempo, mix and transport state it had.

        ``event_fd`` and ``death_fd`` are new descriptors afterwards: a GUI watching them
        must register the new ones (and drop the old: they are closed).
        """
        position = self.read_position() if self._position is not None else Position()
        self._stop_process()
        self.start()
        ready = self.wait_ready(timeout_s)
        self._send_remembered(position)
        return ready

    def restart_nowait(self, score=None) -> None:
        """``restart()`` without the wait, for a GUI whose loop must keep turning: end the
        old engine, start a new one, queue the song, loop, tempo, mix and transport, and
        return at once.  The new engine reads its commands only once its audio is open,
        so they are applied right after its ``ReadyEvent`` (which, or its error, arrives
        through ``poll_events``), and commands sent after this call follow them.

        ``score``: the song as it is now, for a caller that owns the song (a GUI kept
        editing while no engine could be told): it is sent whole, its loop, tempo and mix
        with it, instead of the song, loop, tempo and mix commands remembered here.  Ending an
        engine that is still running can take a moment: call ``shutdown_nowait()`` first
        and this once ``death_fd`` is readable.  ``event_fd`` and ``death_fd`` are new.
        """
        position = self.read_position() if self._position is not None else Position()
        self._stop_process()
        self.start()
        if score is not None:
            self._remembered.remember(cmd.LoadScoreCommand(score))
        self._send_remembered(position)

    def shutdown_nowait(self) -> None:
        """Ask the engine to end (it silences everything first) and return at once.

        ``death_fd`` turns readable once it has ended; ``close()`` or ``restart_nowait()``
        then need not wait.  Its end is not reported as a death.
        """
        if self._process is None or self._closing:
            return
        self._closing = True
        if self._process.is_alive() and self._writer is not None:
            self._writer.put(cmd.ShutdownCommand())

    def _send_remembered(self, position: Position) -> None:
        """Queue what a new engine needs to carry on where the old one was."""
        if self._writer is None:
            raise errors.EngineError("The engine is not started.")
        for command in self._remembered.commands_for(position):
            self._writer.put(command)

    def close(self) -> None:
        """Shut the engine down (no note left sounding) and free the shared memory."""
        self._stop_process()
        if self._position is not None:
            self._position.close()
            self._position = None

    def _stop_process(self) -> None:
        # start() sets the three together
        process, events_in, writer = self._process, self._events, self._writer
        if process is None or events_in is None or writer is None:
            return
        self._closing = True
        if process.is_alive():
            writer.put(cmd.ShutdownCommand())
        writer.close()
        process.join(JOIN_TIMEOUT_S)
        if process.is_alive():
            process.terminate()  # the engine panics and closes on SIGTERM too
            process.join(JOIN_TIMEOUT_S)
        if process.is_alive():
            process.kill()
            process.join()
        events_in.close()
        process.close()
        self._process = self._events = self._writer = None

    def __enter__(self) -> EngineClient:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ commands

    def send(self, command) -> None:
        """Queue ``command`` for the engine; never blocks."""
        if not isinstance(command, cmd.COMMAND_TYPES):
            raise ValueError(f"not an engine command: {command!r}")
        if self._writer is None:
            raise errors.EngineError("The engine is not running.")
        self._remembered.remember(command)
        self._writer.put(command)

    def read_position(self) -> Position:
        """The engine's latest position (lock-free; cheap enough for every frame)."""
        if self._position is None:
            raise errors.EngineError("The engine was never started.")
        return self._position.read()

    def read_levels(self) -> tuple[float, float, int]:
        """The output's peaks (left, right) over the last ~40 ms and how many windows
        were measured (lock-free, beside the position)."""
        if self._position is None:
            raise errors.EngineError("The engine was never started.")
        return self._position.read_levels()

    def read_track_levels(self) -> list[float]:
        """Each track's own peak over the same window, track 0 first (all 0 where the
        output cannot measure them: see the ready event's driver reason)."""
        if self._position is None:
            raise errors.EngineError("The engine was never started.")
        return self._position.read_track_levels()

    def read_load(self) -> float:
        """FluidSynth's CPU load in percent of real time, as the engine last published it."""
        if self._position is None:
            raise errors.EngineError("The engine was never started.")
        return self._position.read_load()


def _error_class(kind: str) -> type:
    """The ``engine.core.errors`` class called ``kind`` (EngineError if there is none)."""
    cls = getattr(errors, kind, None)
    if isinstance(cls, type) and issubclass(cls, errors.PianolaError):
        return cls
    return errors.EngineError
