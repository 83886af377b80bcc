"""Pianola as JACK's timebase master: bar, beat, tick and tempo of its song for every
client (a helper process of its own; its JACK callback is the only Python it runs).

JACK asks the timebase master for the position each cycle, in the audio thread.  A
Python callback there is acceptable only if nothing else in its process can hold the
interpreter's lock for long, so it runs in a small process started by the engine that
does nothing else: its main thread waits on a pipe for the song's tempo and meter maps
(a score with no notes) and swaps them in as one reference; the callback reads that
reference and computes the position with the pure core's bisections (microseconds).
"""

from __future__ import annotations

import multiprocessing
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from engine.core.errors import AudioDriverError
from engine.core.score import Score


def bbt_at_frame(score: Score, frame: int, sample_rate: int) -> dict:
    """JACK's BBT fields for transport ``frame`` of ``score`` (pure).

    JACK counts a beat as one ``beat_type`` note and ticks within it; Pianola's ticks are
    PPQ per quarter, so a beat has ``ppq * 4 / beat_type`` of them."""
    tempo, meters, ppq = score.tempo_map, score.time_signatures, score.ppq
    tick = tempo.frame_to_tick(max(0, int(frame)), ppq, sample_rate)
    where = meters.tick_to_bar_beat(tick, ppq)
    sig = meters.at(tick)
    beat_ticks = sig.beat_ticks(ppq)
    return {
        "bar": where.bar,
        "beat": where.beat,
        "tick": where.tick_in_beat,
        "bar_start_tick": float(tick - (where.beat - 1) * beat_ticks - where.tick_in_beat),
        "beats_per_bar": float(sig.numerator),
        "beat_type": float(sig.denominator),
        "ticks_per_beat": float(beat_ticks),
        "beats_per_minute": tempo.bpm_at(tick),
    }


def timebase_of(score: Score) -> Score:
    """What the master needs of a song: its tempo and meter maps, no notes."""
    return Score(ppq=score.ppq, tempo_map=score.tempo_map, time_signatures=score.time_signatures)


def _serve(server_name: str | None, conn, ready) -> None:
    """The helper process: be the timebase master until the pipe closes."""
    import jack

    state = {"score": conn.recv()}
    client = jack.Client("pianola-timebase", no_start_server=True, servername=server_name)
    rate = client.samplerate

    def callback(_state, _blocksize, pos, _new_pos) -> None:
        fields = bbt_at_frame(state["score"], pos.frame, rate)
        pos.valid = jack._lib.JackPositionBBT
        for name, value in fields.items():
            setattr(pos, name, value)

    if not client.set_timebase_callback(callback, conditional=False):
        ready.send("another client would not give up being JACK's timebase master")
        return
    client.activate()
    ready.send("")
    try:
        while True:
            score = conn.recv()
            if score is None:
                break
            state["score"] = score  # one reference replaced: the callback sees old or new
    except EOFError:
        pass
    finally:
        client.release_timebase()
        client.deactivate()
        client.close()


class TimebaseMaster:
    """Runs ``_serve`` in a helper process; ``update(score)`` sends a new song's maps."""

    def __init__(self, server_name: str | None):
        self.server_name = server_name
        self._process: BaseProcess | None = None
        self._conn: Connection | None = None
        self._sent: tuple | None = None

    def start(self, score: Score) -> TimebaseMaster:
        ctx = multiprocessing.get_context("spawn")
        parent, child = ctx.Pipe()
        ready_parent, ready_child = ctx.Pipe()
        process = self._process = ctx.Process(
            target=_serve,
            args=(self.server_name, child, ready_child),
            name="pianola-timebase",
            daemon=True,
        )
        process.start()
        child.close()
        ready_child.close()
        self._conn = parent
        self.update(score)
        if not ready_parent.poll(20.0):
            self.close()
            raise AudioDriverError("Pianola could not become JACK's timebase master in time.")
        problem = ready_parent.recv()
        if problem:
            self.close()
            raise AudioDriverError(f"Pianola could not become JACK's timebase master: {problem}.")
        return self

    def update(self, score: Score) -> None:
        key = (score.tempo_map, score.time_signatures, score.ppq)
        if key != self._sent and self._conn is not None:
            self._conn.send(timebase_of(score))
            self._sent = key

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.send(None)
            except OSError:
                pass
            self._conn.close()
            self._conn = None
        if self._process is not None:
            self._process.join(3.0)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(1.0)
            self._process = None
