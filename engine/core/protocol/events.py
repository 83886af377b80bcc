"""The events the engine process sends back to the GUI (pure: both processes import it).

Every event is a frozen, slotted dataclass checked at construction.  ``EngineDiedEvent``
is never sent by the engine: the client makes it when the engine process ends without
being asked to.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from engine.core.checks import PITCH, check_bool, check_int, check_str
from engine.core.note import MAX_TICK
from engine.core.protocol.sync_commands import SYNC_SOURCES

SCHEDULING_KINDS = ("SCHED_FIFO", "nice", "normal")


@dataclass(frozen=True, slots=True)
class ReadyEvent:
    """The engine is open and listening.  Says what it got, so the user can be told.

    ``scheduling`` reads as ``"SCHED_FIFO 70"``, ``"nice -10"`` or ``"normal"``;
    ``scheduling_detail`` says why (e.g. why SCHED_FIFO was refused).
    """

    versions: dict = field(hash=False)
    driver: str
    driver_reason: str
    sample_rate: int
    period_frames: int
    scheduling: str
    scheduling_detail: str
    soundfont_path: str
    soundfont_reason: str
    preset_names: dict = field(hash=False)
    pid: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.versions, dict):
            raise ValueError(f"versions must be a dict, not {self.versions!r}")
        for name in (
            "driver",
            "driver_reason",
            "scheduling",
            "scheduling_detail",
            "soundfont_path",
            "soundfont_reason",
        ):
            check_str(name, getattr(self, name))
        if self.scheduling.split(" ")[0] not in SCHEDULING_KINDS:
            raise ValueError(
                f"scheduling must start with one of {SCHEDULING_KINDS}, not {self.scheduling!r}"
            )
        check_int("sample rate", self.sample_rate, 1)
        check_int("period frames", self.period_frames, 1)
        if not isinstance(self.preset_names, dict):
            raise ValueError(f"preset names must be a dict, not {self.preset_names!r}")
        check_int("engine pid", self.pid, 0)

    def summary(self) -> str:
        """Four short lines for a terminal or an About box."""
        return (
            f"driver: {self.driver} ({self.driver_reason})\n"
            f"audio: {self.sample_rate} Hz, period {self.period_frames} frames\n"
            f"priority: {self.scheduling} ({self.scheduling_detail})\n"
            f"soundfont: {self.soundfont_path} ({self.soundfont_reason})"
        )


@dataclass(frozen=True, slots=True)
class TransportEvent:
    """The transport changed: playing or not, where, and how many loop passes so far."""

    playing: bool
    tick: int
    loop_count: int = 0

    def __post_init__(self) -> None:
        check_bool("playing", self.playing)
        check_int("transport tick", self.tick, 0)
        check_int("loop count", self.loop_count, 0)


@dataclass(frozen=True, slots=True)
class NoteStartedEvent:
    """A note started sounding at audio frame ``frame`` (for highlighting it); sent
    within one scheduler period (a few ms) of that frame."""

    track_index: int
    pitch: int
    start_tick: int
    length_ticks: int
    frame: int

    def __post_init__(self) -> None:
        check_int("note track index", self.track_index, 0)
        check_int("note pitch", self.pitch, *PITCH)
        check_int("note start tick", self.start_tick, 0)
        check_int("note length in ticks", self.length_ticks, 1)
        check_int("note frame", self.frame, 0)


@dataclass(frozen=True, slots=True)
class BeatEvent:
    """The transport crossed a beat (bar and beat count from 1)."""

    bar: int
    beat: int
    tick: int

    def __post_init__(self) -> None:
        check_int("bar", self.bar, 1)
        check_int("beat", self.beat, 1)
        check_int("beat tick", self.tick, 0)


@dataclass(frozen=True, slots=True)
class LateEvent:
    """The scheduler thread woke ``count`` time(s) after its look-ahead window had run
    out, the worst by ``worst_frames``: events falling in that gap (if any) were sent
    already due, so they sounded late.  It means the engine was starved of CPU for
    longer than the look-ahead."""

    count: int
    worst_frames: int

    def __post_init__(self) -> None:
        check_int("late event count", self.count, 1)
        check_int("worst lateness in frames", self.worst_frames, 0)


@dataclass(frozen=True, slots=True)
class XrunEvent:
    """The audio server reported ``count`` new under/overruns (JACK xruns).

    FluidSynth's drivers do not report xruns to their host: with the "jack" driver the
    engine watches the server with a client of its own (``engine.realtime.server_watch.JackServerWatcher``);
    with other drivers no xrun can be observed and this event is never sent.
    """

    count: int

    def __post_init__(self) -> None:
        check_int("xrun count", self.count, 1)


@dataclass(frozen=True, slots=True)
class AudioLostEvent:
    """The audio server the engine played through went away (the JACK server stopped or
    was killed): nothing is heard until an engine is started on a server again.
    ``message`` is one sentence for the user; ``server`` names the server (None: the
    default one), so the client can tell when it answers again."""

    message: str
    server: str | None = None

    def __post_init__(self) -> None:
        check_str("audio-lost message", self.message)
        if self.server is not None:
            check_str("audio server name", self.server)


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """Something went wrong in the engine; ``message`` is one sentence for the user.

    ``fatal`` says the engine is about to exit because of it; ``kind`` names the
    ``engine.core.errors`` class it was (e.g. "SoundFontError"), so the client can raise the
    same class on its side.
    """

    message: str
    fatal: bool = False
    kind: str = "EngineError"

    def __post_init__(self) -> None:
        check_str("error message", self.message)
        check_bool("fatal", self.fatal)
        check_str("error kind", self.kind)


@dataclass(frozen=True, slots=True)
class StoppedEvent:
    """Playback ended by itself (end of song) or by a stop; all notes are released."""

    tick: int = 0

    def __post_init__(self) -> None:
        check_int("stopped tick", self.tick, 0)


@dataclass(frozen=True, slots=True)
class MeterChangedEvent:
    """Where a ``SetMeterCommand``'s time signature starts: ``tick`` of the song when
    ``in_song`` (song mode: the window writes the same change into its document), else
    of pattern mode's loop (the song is unchanged)."""

    tick: int
    numerator: int
    denominator: int
    in_song: bool

    def __post_init__(self) -> None:
        check_int("meter change tick", self.tick, 0, MAX_TICK)
        check_int("time signature numerator", self.numerator, 1, 64)
        check_int("time signature denominator", self.denominator, 1, 64)
        check_bool("meter change in song", self.in_song)


@dataclass(frozen=True, slots=True)
class TakeOverEvent:
    """Where a ReplaceScoreAtCommand's score took over (``in_time`` False: later than asked)."""

    version: int
    pass_index: int
    tick: int
    in_time: bool


@dataclass(frozen=True, slots=True)
class NotesScheduledEvent:
    """Notes the engine has just scheduled: (pass, on tick, off tick, track, key,
    velocity) each, in the order sent."""

    notes: tuple


@dataclass(frozen=True, slots=True)
class MixScheduledEvent:
    """Channels a score taking over sets anew: (pass, tick, track, drum, bank, program,
    volume, pan) each, in the order applied."""

    mixes: tuple


@dataclass(frozen=True, slots=True)
class RealignedEvent:
    """A session's engine had fallen off the shared clock (a dropped cycle, a stall) and
    was re-timed back onto it: the music moved by ``shift_frames`` (whole blocks of
    ``block_frames``; positive: later) at ``sample_rate``."""

    shift_frames: int
    block_frames: int
    sample_rate: int

    def __post_init__(self):
        check_int("block frames", self.block_frames, 1, 1 << 16)
        check_int("sample rate", self.sample_rate, 1, 1 << 24)
        check_int("shift frames", self.shift_frames, -(1 << 40), 1 << 40)


@dataclass(frozen=True, slots=True)
class MidiInputEvent:
    """A message arrived at the engine's MIDI input (after it was played through the thru
    track): ``data`` its bytes; ``tick`` of loop pass ``pass_index`` is where it was
    played while ``playing`` (the tick heard at the frame it arrived at), else where the
    transport stands."""

    data: bytes
    tick: int
    pass_index: int = 0
    playing: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.data, bytes) or not 1 <= len(self.data) <= 3:
            raise ValueError(f"a MIDI input message must be 1 to 3 bytes, not {self.data!r}")
        check_int("MIDI input tick", self.tick, 0)
        check_int("MIDI input pass", self.pass_index, 0)
        check_bool("playing", self.playing)


@dataclass(frozen=True, slots=True)
class MidiPortsEvent:
    """The MIDI ports there are: ``outputs`` to send to (labels such as "JACK: fluidsynth:midi_00"),
    ``inputs`` to listen to (JACK MIDI outputs' full names); ``problem`` one sentence when
    no MIDI API answers; ``other_inputs`` to listen to on other APIs, opened through
    python-rtmidi (labels such as "ALSA: Keystation 49:0")."""

    outputs: tuple[str, ...] = ()
    inputs: tuple[str, ...] = ()
    problem: str = ""
    other_inputs: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        for name in ("outputs", "inputs", "other_inputs"):
            value = getattr(self, name)
            if not isinstance(value, tuple) or not all(isinstance(v, str) for v in value):
                raise ValueError(f"MIDI port {name} must be a tuple of names, not {value!r}")
        if not isinstance(self.problem, str):
            raise ValueError(f"a MIDI port problem must be text, not {self.problem!r}")


@dataclass(frozen=True, slots=True)
class EngineDiedEvent:
    """Made by the client: the engine process ended without being asked to."""

    exitcode: int | None
    message: str

    def __post_init__(self) -> None:
        if self.exitcode is not None:
            check_int("exit code", self.exitcode, -255, 255)
        check_str("message", self.message)


@dataclass(frozen=True, slots=True)
class SyncEvent:
    """The sync source changed state: ``source`` is the one now followed, ``message`` one
    sentence for the status bar ("The last Link peer left: playing on at 120.00 BPM."),
    ``peers`` the other programs in a Link session, ``quantum`` its beats per bar."""

    source: str
    message: str
    peers: int = 0
    quantum: float = 4.0

    def __post_init__(self):
        if self.source not in SYNC_SOURCES:
            raise ValueError(f"unknown sync source {self.source!r}")
        check_str("sync message", self.message)
        check_int("Link peers", self.peers, 0, 10_000)


@dataclass(frozen=True, slots=True)
class SessionSyncEvent:
    """What keeps a live session's music on the beat, sent when it changes:
    ``link_leads`` while a Link session leads the tempo and the phase (the session's
    re-aligner then stands aside), ``link_bpm`` Link's tempo then (0 otherwise), and
    ``realigned`` how often the session's re-aligner has re-timed the music."""

    link_leads: bool
    link_bpm: float
    realigned: int

    def __post_init__(self):
        check_bool("Link leads", self.link_leads)
        if isinstance(self.link_bpm, bool) or not isinstance(self.link_bpm, (int, float)):
            raise ValueError(f"Link's tempo must be a number, not {self.link_bpm!r}")
        if self.link_bpm < 0:
            raise ValueError(f"Link's tempo must be 0 or more, not {self.link_bpm:g}")
        check_int("re-alignments", self.realigned, 0)


EVENT_TYPES = (
    ReadyEvent,
    TransportEvent,
    NoteStartedEvent,
    BeatEvent,
    LateEvent,
    XrunEvent,
    AudioLostEvent,
    ErrorEvent,
    StoppedEvent,
    EngineDiedEvent,
    TakeOverEvent,
    MeterChangedEvent,
    NotesScheduledEvent,
    MixScheduledEvent,
    RealignedEvent,
    SyncEvent,
    MidiInputEvent,
    MidiPortsEvent,
    SessionSyncEvent,
)
