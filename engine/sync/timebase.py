"""Pianola as JACK's timebase master: bar, beat, tick and tempo of its song for every
client (a helper process of its own; its JACK callback is the only Python it runs).

JACK asks the timebase master for the position each cycle, in the audio thread.  A
Python callback there is acceptable only if nothing else in its process can hold the
interpreter's lock for long, so it runs in a small process started by the engine that
does nothing else: its main thread waits on a pipe for the song's tempo and meter maps
(a score with no notes) and swaps them in as one reference; the callback reads that
reference and computes the position with the pure core's bisections (microseconds).

The helper is a child started with ``subprocess`` (``python -m engine.sync.timebase``),
not ``multiprocessing``: the engine process is itself a daemonic multiprocessing child,
which may not have children of that kind.  The maps go down its stdin pickled; one line
on its stdout says it became the master (empty) or why not.
"""

from __future__ import annotations

import os
import pickle
import select
import subprocess
import sys
from pathlib import Path

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


def _serve(server_name: str | None, maps, ready) -> None:
    """The helper process: be the timebase master until ``maps`` (a binary stream of
    pickled scores, None to end) closes; ``ready(problem)`` reports once."""
    import jack

    def receive():
        try:
            return pickle.load(maps)
        except EOFError:
            return None

    state = {"score": receive()}
    client = jack.Client("pianola-timebase", no_start_server=True, servername=server_name)
    rate = client.samplerate

    def callback(_state, _blocksize, pos, _new_pos) -> None:
        fields = bbt_at_frame(state["score"], pos.frame, rate)
        pos.valid = jack._lib.JackPositionBBT
        for name, value in fields.items():
            setattr(pos, name, value)

    if not client.set_timebase_callback(callback, conditional=False):
        ready("another client would not give up being JACK's timebase master")
        return
    client.activate()
    ready("")
    try:
        while True:
            score = receive()
            if score is None:
                break
            state["score"] = score  # one reference replaced: the callback sees old or new
    finally:
        client.release_timebase()
        client.deactivate()
        client.close()


class TimebaseMaster:
    """Runs ``_serve`` in a helper process; ``update(score)`` sends a new song's maps."""

    def __init__(self, server_name: str | None):
        self.server_name = server_name
        self._proc: subprocess.Popen | None = None
        self._sent: tuple | None = None

    def start(self, score: Score) -> TimebaseMaster:
        root = str(Path(__file__).resolve().parents[2])
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")])),
        )
        proc = self._proc = subprocess.Popen(
            [sys.executable, "-m", "engine.sync.timebase", self.server_name or ""],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=env,
        )
        self.update(score)
        assert proc.stdout is not None
        readable, _, _ = select.select([proc.stdout], [], [], 20.0)
        line = proc.stdout.readline() if readable else b""
        if not line:
            self.close()
            raise AudioDriverError("Pianola could not become JACK's timebase master in time.")
        problem = line.decode().strip()
        if problem:
            self.close()
            raise AudioDriverError(f"Pianola could not become JACK's timebase master: {problem}.")
        return self

    def update(self, score: Score) -> None:
        key = (score.tempo_map, score.time_signatures, score.ppq)
        if key != self._sent and self._proc is not None and self._proc.stdin is not None:
            try:
                pickle.dump(timebase_of(score), self._proc.stdin)
                self._proc.stdin.flush()
            except OSError:
                return  # the helper ended; close() reaps it
            self._sent = key

    def close(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                pickle.dump(None, proc.stdin)
                proc.stdin.close()
        except OSError:
            pass
        try:
            proc.wait(3.0)
        except subprocess.TimeoutExpired:
            proc.terminate()
            proc.wait(3.0)
        if proc.stdout is not None:
            proc.stdout.close()


def _main(argv: list[str]) -> None:
    def ready(problem: str) -> None:
        sys.stdout.write(problem + "\n")
        sys.stdout.flush()

    _serve(argv[0] if argv and argv[0] else None, sys.stdin.buffer, ready)


if __name__ == "__main__":
    _main(sys.argv[1:])
