"""Following JACK's transport: start, stop, locate, and BBT from a timebase master
(engine scheduler thread; JACK-Client's transport calls only, no callback of ours runs in
JACK's thread).

JACK's transport is a frame counter that rolls or stands still, shared by every client of
the server.  Each cycle, the frame the transport has at the start of the cycle goes with
JACK's own frame time of that cycle; the synth's frames sit a constant offset from JACK's
(``SynthOffset``), so the transport frame of any synth frame is known exactly and stays
exact: both count the same samples, nothing can drift.  What JACK clients play at a
transport frame they write in the cycle that has it (the output latency is the same for
all of them), so no latency is added here.

Without a timebase master the transport frame is turned into a tick through the score's
own tempo map.  With one (a DAW publishing bar, beat, tick and tempo), its BBT names the
tick and its tempo is followed, as a peer's is under Link.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, replace
from typing import Any

from engine.core.errors import AudioDriverError
from engine.core.timing import bpm_to_us_per_quarter
from engine.sync.host_clock import unwrap_frame
from engine.sync.link_follower import constant_tempo


@dataclass(frozen=True, slots=True)
class TransportPosition:
    """The transport at the start of one JACK cycle."""

    rolling: bool
    cycle_frame: int  # JACK's frame time of the cycle
    frame: int  # the transport's frame then
    bbt: tuple[int, int, int] | None = None  # bar, beat, tick (from 1, 1, 0), master only
    beats_per_bar: float = 4.0
    beat_type: float = 4.0
    ticks_per_beat: float = 1920.0
    bpm: float | None = None

    def frame_at(self, jack_frame: int) -> int:
        """The transport frame at a JACK frame (while rolling; standing still otherwise)."""
        return self.frame + (jack_frame - self.cycle_frame if self.rolling else 0)


def position_from_query(cycle_frame: int, rolling: bool, pos: dict) -> TransportPosition:
    """A ``TransportPosition`` from JACK-Client's ``transport_query()`` (``rolling``: its
    state is ROLLING; stopped and starting do not play)."""
    bbt = None
    extra = {}
    if "bar" in pos and pos.get("beats_per_minute", 0) > 0 and pos.get("ticks_per_beat", 0) > 0:
        bbt = (int(pos["bar"]), int(pos["beat"]), int(pos["tick"]))
        extra = dict(
            beats_per_bar=float(pos["beats_per_bar"]),
            beat_type=float(pos["beat_type"]),
            ticks_per_beat=float(pos["ticks_per_beat"]),
            bpm=float(pos["beats_per_minute"]),
        )
    return TransportPosition(rolling, cycle_frame, int(pos["frame"]), bbt, **extra)


def bbt_to_tick(position: TransportPosition, ppq: int) -> float:
    """Pianola's tick of a master's bar/beat/tick at the start of its cycle.

    A BBT beat is one ``beat_type`` note: a quarter is ``4 / beat_type`` of them."""
    if position.bbt is None:
        raise ValueError("the transport position has no bar and beat (no timebase master)")
    bar, beat, tick = position.bbt
    quarters_per_beat = 4.0 / position.beat_type
    beats = (bar - 1) * position.beats_per_bar + (beat - 1) + tick / position.ticks_per_beat
    return beats * quarters_per_beat * ppq


class TransportFollower:
    """Plays, stops and locates the scheduler with JACK's transport (see module doc).

    ``read()`` returns the transport's ``TransportPosition`` for the cycle in progress;
    ``offset`` is a ``SynthOffset`` kept up to date by ``note_synth_clock``.
    """

    def __init__(
        self,
        scheduler,
        read,
        offset,
        *,
        say=None,
        tolerance_frames: int | None = None,
        leading: bool = False,
    ):
        self.scheduler = scheduler
        self.read = read
        self.offset = offset
        self.say = say or (lambda text: None)
        self.leading = leading  # Pianola is the timebase master: its own song is the truth
        self.sample_rate = scheduler.backend.sample_rate
        # a transport that is off by more than this from where we play was relocated
        self.tolerance_frames = tolerance_frames or max(64, offset.period_frames // 2)
        self._lock = threading.Lock()
        self._playing = False
        self._last: TransportPosition | None = None
        self._master_bpm: float | None = None
        self._said_no_master = False
        self.locates = 0

    def adapt(self, score):
        """The score as played: at a timebase master's tempo when there is one."""
        with self._lock:
            if self._master_bpm is None:
                return score
            return replace(score, tempo_map=constant_tempo(bpm_to_us_per_quarter(self._master_bpm)))

    def service(self) -> None:
        """Once per scheduler period (before ``Scheduler.service()``)."""
        with self._lock:
            backend = self.scheduler.backend
            synth_now = backend.now_frame()
            position = self.read()
            self.offset.add(position.cycle_frame, synth_now)
            if not self.offset.ready:
                return
            self._follow_master(position)
            if position.rolling and not self._playing:
                if self._steady(position):  # not the cycle it began rolling in
                    self._start(position)
            elif not position.rolling and self._playing:
                self._playing = False
                self.scheduler.stop()
                self.scheduler.locate(round(self._tick_of(position, position.cycle_frame)))
            elif not position.rolling and self._moved(position):
                self.scheduler.locate(round(self._tick_of(position, position.cycle_frame)))
            elif position.rolling and self._relocated(position):
                self.locates += 1
                self._start(position)
            elif self._playing and abs(self.offset.frames - self._offset_at_start) > 8:
                self._start(position)  # the synth's offset is known better now
            self._last = position

    def _follow_master(self, position: TransportPosition) -> None:
        if self.leading:
            return
        bpm = position.bpm
        if bpm is None and not self._said_no_master:
            self.say(
                "JACK transport has no timebase master: following its frames at the song's tempo."
            )
            self._said_no_master = True
        if bpm is not None and (self._master_bpm is None or abs(bpm - self._master_bpm) > 1e-6):
            self._master_bpm = bpm
            self._said_no_master = False
            score = self.scheduler.score
            score = replace(score, tempo_map=constant_tempo(bpm_to_us_per_quarter(bpm)))
            if self._playing:
                self._start_locked_at(position, score)
            else:
                self.scheduler.retime(score, None)

    def _jack_frame_of(self, synth_frame: int) -> int:
        return synth_frame + self.offset.frames

    def _tick_of(self, position: TransportPosition, jack_frame: int) -> float:
        """The tick the transport has at ``jack_frame``."""
        score = self.scheduler.score
        if position.bbt is not None and not self.leading:
            elapsed = position.frame_at(jack_frame) - position.frame
            quarters = elapsed / self.sample_rate * position.bpm / 60.0
            return bbt_to_tick(position, score.ppq) + quarters * score.ppq
        frame = max(0, position.frame_at(jack_frame))
        return score.tempo_map.frame_to_tick(frame, score.ppq, self.sample_rate)

    def _moved(self, position: TransportPosition) -> bool:
        return self._last is None or position.frame != self._last.frame

    def _steady(self, position: TransportPosition) -> bool:
        """Rolling since the last reading and advancing with JACK's frames: the reading
        taken as the transport starts may pair the new frame with the old cycle."""
        last = self._last
        return (
            last is not None
            and last.rolling
            and last.cycle_frame != position.cycle_frame
            and position.frame == last.frame_at(position.cycle_frame)
        )

    def _relocated(self, position: TransportPosition) -> bool:
        """The transport is not where our playing timeline is (a locate while rolling).

        Only a jump seen in two readings in a row counts: a single reading may pair the
        transport's frame with the wrong cycle."""
        last = self._last
        if last is None or not last.rolling:
            return False
        playing_on = self._played.frame_at(position.cycle_frame)
        jumped = abs(position.frame - playing_on) > self.tolerance_frames
        agrees = position.frame == last.frame_at(position.cycle_frame)
        return jumped and agrees

    def _start(self, position: TransportPosition) -> None:
        self._start_locked_at(position, None)

    def _start_locked_at(self, position: TransportPosition, score) -> None:
        """Play from the first tick the transport reaches after one look-ahead from now,
        at the frame where it reaches it."""
        if score is not None:
            self.scheduler.retime(score, None)
        score = self.scheduler.score
        # a period more than the look-ahead, so play() never has to push the start later
        at = self.scheduler.backend.now_frame() + self.scheduler.lookahead_frames
        at += self.offset.period_frames
        transport_frame = position.frame_at(self._jack_frame_of(at))
        if position.bbt is not None and not self.leading:
            tick = self._tick_of(position, self._jack_frame_of(at))
            whole = math.ceil(tick)
            frames_per_tick = self.sample_rate * 60.0 / (position.bpm * score.ppq)
            delay = (whole - tick) * frames_per_tick
        else:
            tempo, ppq, rate = score.tempo_map, score.ppq, self.sample_rate
            whole = tempo.frame_to_tick(max(0, transport_frame), ppq, rate)
            while tempo.tick_to_frame(whole, ppq, rate) < transport_frame:
                whole += 1
            delay = tempo.tick_to_frame(whole, ppq, rate) - transport_frame
        self.scheduler.play(whole, at_frame=at + round(delay))
        self._playing = True
        self._played = position  # the reading the music now follows
        self._offset_at_start = self.offset.frames


class JackTransport:
    """JACK's transport through a JACK-Client client of its own (no process callback)."""

    def __init__(self, server_name: str | None = None, client_name: str = "pianola-transport"):
        self.server_name = server_name
        self.client_name = client_name
        self._client: Any = None  # a jack.Client while open (JACK-Client has no types)
        self._last_frame: int | None = None

    def open(self) -> JackTransport:
        import jack

        self._rolling = jack.ROLLING
        try:
            self._client = jack.Client(
                self.client_name, no_start_server=True, servername=self.server_name
            )
        except jack.JackOpenError:
            where = f" {self.server_name!r}" if self.server_name else ""
            raise AudioDriverError(
                f"JACK transport needs a running JACK server, and none{where} answers."
            ) from None
        self._client.activate()
        self.period_frames = self._client.blocksize
        self.sample_rate = self._client.samplerate
        return self

    def close(self) -> None:
        if self._client is not None:
            self._client.deactivate()
            self._client.close()
            self._client = None

    def __enter__(self) -> JackTransport:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self) -> TransportPosition:
        """The transport at the start of the cycle in progress, with that cycle's frame."""
        client = self._client
        for _ in range(4):  # a cycle boundary between the reads: read again
            before = client.last_frame_time
            state, pos = client.transport_query()
            if client.last_frame_time == before:
                break
        self._last_frame = unwrap_frame(before, self._last_frame)
        return position_from_query(self._last_frame, state == self._rolling, pos)

    # Pianola leading the transport
    def start(self) -> None:
        self._client.transport_start()

    def stop(self) -> None:
        self._client.transport_stop()

    def locate(self, frame: int) -> None:
        self._client.transport_frame = max(0, int(frame))
