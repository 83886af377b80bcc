"""The commands the GUI sends the engine process (pure: both processes import it).

Every command is a frozen, slotted dataclass checked at construction, so a malformed
command fails in the sender, where the mistake was made, not in the realtime process.
Commands travel pickled over a ``multiprocessing`` Connection; scores are the pure
model's dataclasses and pickle as they are.  What comes back is in
``engine.core.protocol.events``.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.core.checks import (
    BANK,
    MIDI_DATA,
    PITCH,
    VELOCITY,
    check_bool,
    check_int,
    check_optional_int,
    check_str,
)
from engine.core.protocol.pattern_commands import (
    QueuePatternCommand,
    SetFillCommand,
    SetPlayModeCommand,
)
from engine.core.protocol.sync_commands import (
    SetLinkTempoCommand,
    SetMidiClockOutCommand,
    SetSyncCommand,
)
from engine.core.score import MAX_TICK, Score
from engine.core.timing import MAX_BPM, MIN_BPM

MAX_COUNT_IN_BARS = 2


def _check_score(value) -> None:
    if not isinstance(value, Score):
        raise ValueError(f"score must be a Score, not {type(value).__name__}")


@dataclass(frozen=True, slots=True)
class LoadScoreCommand:
    """Replace the song; playback stops and the position returns to the start."""

    score: Score

    def __post_init__(self) -> None:
        _check_score(self.score)


@dataclass(frozen=True, slots=True)
class ReplaceScoreCommand:
    """A live edit: the new snapshot replaces the old one without stopping playback."""

    score: Score

    def __post_init__(self) -> None:
        _check_score(self.score)


@dataclass(frozen=True, slots=True)
class PlayCommand:
    """Start playing from ``from_tick`` (None: from where the transport stands), after
    ``count_in_bars`` bars of metronome clicks; ``record``: playing to record, on past
    the song's end until stopped."""

    from_tick: int | None = None
    count_in_bars: int = 0
    record: bool = False

    def __post_init__(self) -> None:
        check_optional_int("play from tick", self.from_tick, 0, MAX_TICK)
        check_int("count-in bars", self.count_in_bars, 0, MAX_COUNT_IN_BARS)
        check_bool("record", self.record)


@dataclass(frozen=True, slots=True)
class StopCommand:
    """Stop playing; every sounding note is released."""


@dataclass(frozen=True, slots=True)
class LocateCommand:
    """Move the transport to ``tick`` (playing continues from there if it was playing)."""

    tick: int

    def __post_init__(self) -> None:
        check_int("locate tick", self.tick, 0, MAX_TICK)


@dataclass(frozen=True, slots=True)
class SetLoopCommand:
    """Turn looping of [start_tick, end_tick) on or off."""

    enabled: bool
    start_tick: int
    end_tick: int

    def __post_init__(self) -> None:
        check_bool("loop enabled", self.enabled)
        check_int("loop start tick", self.start_tick, 0, MAX_TICK)
        check_int("loop end tick", self.end_tick, 1, MAX_TICK)
        if self.end_tick <= self.start_tick:
            raise ValueError(
                f"loop end tick ({self.end_tick}) must come after "
                f"loop start tick ({self.start_tick})"
            )


@dataclass(frozen=True, slots=True)
class SetMeterCommand:
    """A time signature of ``numerator`` beats of a 1/``denominator`` note, from the next
    bar line not yet heard (``at_next_bar``; stopped: the bar line at or after the
    cursor) or for the bars the time signature in force at the position covers.

    Song mode: the engine's copy of the song gets the signature and it says where with a
    ``MeterChangedEvent``, for the window to write the same into its document.  Pattern
    mode: the bars the loop counts (its metronome, its next bar lines); the song is kept.
    """

    numerator: int
    denominator: int
    at_next_bar: bool = True

    def __post_init__(self) -> None:
        check_int("time signature numerator", self.numerator, 1, 64)
        check_int("time signature denominator", self.denominator, 1, 64)
        if self.denominator & (self.denominator - 1):
            raise ValueError(
                f"time signature denominator must be a power of two, not {self.denominator}"
            )
        check_bool("at next bar", self.at_next_bar)


@dataclass(frozen=True, slots=True)
class SetTempoCommand:
    """Set the tempo of the loaded song, in beats per minute.

    The engine changes the tempo in force at the current transport position (with a
    one-tempo song: its only tempo) and keeps the rest of the tempo map; it is a live
    edit of the engine's copy of the score, like ``ReplaceScoreCommand``.  The GUI, which
    owns the document, normally sends the edited score instead; this command serves
    ``pianola play --tempo`` and quick tempo knobs.
    """

    bpm: float
    # True: the tempo changes at the next bar line rather than at once (a bar line far
    # enough ahead that nothing of it has been heard yet)
    at_next_bar: bool = False

    def __post_init__(self) -> None:
        check_bool("at next bar", self.at_next_bar)
        if isinstance(self.bpm, bool) or not isinstance(self.bpm, (int, float)):
            raise ValueError(f"tempo must be a number of beats per minute, not {self.bpm!r}")
        if not (MIN_BPM <= self.bpm <= MAX_BPM):
            raise ValueError(f"tempo must be from {MIN_BPM:g} to {MAX_BPM:g} BPM, not {self.bpm:g}")


@dataclass(frozen=True, slots=True)
class PreviewNoteOnCommand:
    """Sound ``pitch`` at once on the track's instrument (not through the look-ahead)."""

    track_index: int
    pitch: int
    velocity: int = 100

    def __post_init__(self) -> None:
        check_int("preview track index", self.track_index, 0)
        check_int("preview pitch", self.pitch, *PITCH)
        check_int("preview velocity", self.velocity, *VELOCITY)


@dataclass(frozen=True, slots=True)
class PreviewNoteOffCommand:
    """Release a previewed note."""

    track_index: int
    pitch: int

    def __post_init__(self) -> None:
        check_int("preview track index", self.track_index, 0)
        check_int("preview pitch", self.pitch, *PITCH)


@dataclass(frozen=True, slots=True)
class SetTrackMixCommand:
    """Change a track's instrument or mix; fields left None stay as they are."""

    track_index: int
    program: int | None = None
    bank: int | None = None
    volume: int | None = None
    pan: int | None = None
    mute: bool | None = None
    solo: bool | None = None

    def __post_init__(self) -> None:
        check_int("track index", self.track_index, 0)
        check_optional_int("track program", self.program, *MIDI_DATA)
        check_optional_int("track bank", self.bank, *BANK)
        check_optional_int("track volume", self.volume, *MIDI_DATA)
        check_optional_int("track pan", self.pan, *MIDI_DATA)
        for name in ("mute", "solo"):
            value = getattr(self, name)
            if value is not None:
                check_bool(f"track {name}", value)

    def fields(self) -> dict:
        """The fields this command changes, as keyword arguments for the scheduler."""
        return {
            name: getattr(self, name)
            for name in ("program", "bank", "volume", "pan", "mute", "solo")
            if getattr(self, name) is not None
        }


# the port name of Pianola's own virtual input on an API: "ALSA: Pianola virtual input"
VIRTUAL_MIDI_INPUT = "Pianola virtual input"


def is_virtual_input(source: str) -> bool:
    """True for "API: Pianola virtual input" (a port Pianola opens, never unplugged)."""
    return source.partition(": ")[2].strip().lower() == VIRTUAL_MIDI_INPUT.lower()


@dataclass(frozen=True, slots=True)
class SetMidiInputCommand:
    """Listen to MIDI input: ``source`` (a JACK MIDI output port's full name, connected to
    the engine's own input port; "API: port name" for a port opened through
    python-rtmidi, "API: Pianola virtual input" for Pianola's own virtual port there;
    "" for only Pianola's own input port), played through track ``track_index`` (MIDI
    thru: its instrument and its output port)."""

    source: str
    track_index: int = 0

    def __post_init__(self):
        check_str("MIDI input source", self.source)
        check_int("MIDI input track index", self.track_index, 0)


@dataclass(frozen=True, slots=True)
class ListMidiPortsCommand:
    """Ask which MIDI ports there are to send to and to listen to: ``MidiPortsEvent``."""


@dataclass(frozen=True, slots=True)
class SetMetronomeCommand:
    """The click on every beat (the first of each bar accented), through the synth on a
    channel of its own, at ``volume`` percent (100 = as is)."""

    enabled: bool
    volume: int = 100

    def __post_init__(self):
        check_bool("metronome on", self.enabled)
        check_int("metronome volume", self.volume, 0, 200)


@dataclass(frozen=True, slots=True)
class PanicCommand:
    """All notes off and all sounds off on every channel, now."""


@dataclass(frozen=True, slots=True)
class ShutdownCommand:
    """Release everything, close the audio driver and end the engine process."""


@dataclass(frozen=True, slots=True)
class ReplaceScoreAtCommand:
    """A shared session's edit: ``score`` takes over from ``tick`` of pass ``pass_index``
    of the running playback (notes already sent stay as they were).  Too late for that
    place, it takes over at the start of the next pass and a ``TakeOverEvent`` says so.
    A second command for the same place replaces the first.  Passes count from the start
    of playback.  ``withdraw_later``: take-overs queued after this place are dropped (a
    new tempo or loop moved them; they are sent again after this one)."""

    score: Score
    pass_index: int
    tick: int
    version: int = 0
    withdraw_later: bool = False

    def __post_init__(self) -> None:
        _check_score(self.score)
        check_int("pass index", self.pass_index, 0)
        check_int("take-over tick", self.tick, 0, MAX_TICK)
        check_int("version", self.version, 0)
        check_bool("withdraw later take-overs", self.withdraw_later)


@dataclass(frozen=True, slots=True)
class PlayAtCommand:
    """Start playing ``from_tick`` so that it sounds at ``at_ns`` on the engine host's
    monotonic clock (a session's shared start); a time already past joins in phase."""

    from_tick: int
    at_ns: int

    def __post_init__(self) -> None:
        check_int("play from tick", self.from_tick, 0, MAX_TICK)
        check_int("start time", self.at_ns, 0)


@dataclass(frozen=True, slots=True)
class ReportScheduledCommand:
    """Report (or stop reporting) every note the engine schedules (NotesScheduledEvent)
    and every mix a take-over sets (MixScheduledEvent)."""

    enabled: bool

    def __post_init__(self) -> None:
        check_bool("report scheduled notes", self.enabled)


COMMAND_TYPES = (
    LoadScoreCommand,
    ReplaceScoreCommand,
    PlayCommand,
    StopCommand,
    LocateCommand,
    SetLoopCommand,
    SetTempoCommand,
    SetMeterCommand,
    PreviewNoteOnCommand,
    PreviewNoteOffCommand,
    SetTrackMixCommand,
    PanicCommand,
    SetMidiInputCommand,
    ListMidiPortsCommand,
    SetMetronomeCommand,
    SetPlayModeCommand,
    QueuePatternCommand,
    SetFillCommand,
    SetSyncCommand,
    SetMidiClockOutCommand,
    ShutdownCommand,
    ReplaceScoreAtCommand,
    PlayAtCommand,
    ReportScheduledCommand,
    SetLinkTempoCommand,
)
