"""The score model: notes, tracks, the score (pure, immutable, validated).

Every value is a frozen dataclass checked at construction; an edit builds a new value
(see ``engine.core.edits``), so the engine can be handed a whole snapshot at any time and the
undo history is a list of old scores.

A track keeps its notes sorted by (start, length, pitch, velocity) together with a
start-tick index, so range queries are a bisection plus a short scan, not a full pass.
"""

from __future__ import annotations

import bisect
import itertools
import operator
import re
from dataclasses import dataclass, field, fields, replace

from engine.core.checks import BANK, CHANNEL, MIDI_DATA, check_score_int
from engine.core.controllers import ControlEvent, sorted_events
from engine.core.errors import ScoreError
from engine.core.note import DRUM_BANK, GM_DRUM_CHANNEL, MAX_TICK, Note
from engine.core.pattern import Pattern, Placement, placement_order
from engine.core.scales import SongScale
from engine.core.timing import DEFAULT_PPQ, TempoMap, TimeSignatureMap

_COLOUR = re.compile(r"#[0-9a-fA-F]{6}")

__all__ = [
    "DRUM_BANK",
    "GM_DRUM_CHANNEL",
    "MAX_TICK",
    "ControlEvent",
    "LoopRegion",
    "Marker",
    "Note",
    "Score",
    "Track",
    "track_from_packed",
]

# The sort order of notes (the same as Note's own ordering), as a fast key function.
_NOTE_KEY = operator.attrgetter("start_tick", "length_ticks", "pitch", "velocity")
_START = operator.attrgetter("start_tick")
_LENGTH = operator.attrgetter("length_ticks")


OUTPUTS = ("synth", "port", "both")


@dataclass(frozen=True, slots=True)
class Track:
    """A part played on one MIDI channel with one instrument."""

    name: str = "Track"
    channel: int = 0
    bank: int = 0
    program: int = 0
    is_drum: bool = False
    volume: int = 100
    pan: int = 64
    mute: bool = False
    solo: bool = False
    notes: tuple[Note, ...] = ()
    colour: str = ""  # "#rrggbb" the musician chose; "" = the window picks one by position
    # Changes while it plays (sustain, modulation, pitch bend, program...), in tick order.
    controllers: tuple[ControlEvent, ...] = ()
    # Where it sounds: "synth" (the built-in synth), "port" (the MIDI output port named
    # ``midi_port``) or "both".
    output: str = "synth"
    midi_port: str = ""
    _starts: tuple[int, ...] = field(init=False, repr=False, compare=False)
    _max_length: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str):
            raise ScoreError(f"track name must be text, not {self.name!r}")
        check_score_int("track channel", self.channel, *CHANNEL)
        check_score_int("track bank", self.bank, *BANK)
        check_score_int("track program", self.program, *MIDI_DATA)
        check_score_int("track volume", self.volume, *MIDI_DATA)
        check_score_int("track pan", self.pan, *MIDI_DATA)
        for flag in ("is_drum", "mute", "solo"):
            if not isinstance(getattr(self, flag), bool):
                raise ScoreError(f"track {flag} must be true or false")
        if not isinstance(self.colour, str) or not (
            self.colour == "" or _COLOUR.fullmatch(self.colour)
        ):
            raise ScoreError(f"track colour must be #rrggbb or empty, not {self.colour!r}")
        if self.output not in OUTPUTS:
            raise ScoreError(f"a track sounds through {' or '.join(OUTPUTS)}, not {self.output!r}")
        if not isinstance(self.midi_port, str):
            raise ScoreError(f"a MIDI port name must be text, not {self.midi_port!r}")
        object.__setattr__(self, "controllers", sorted_events(self.controllers))
        notes = tuple(self.notes)
        if not all(map(isinstance, notes, itertools.repeat(Note))):
            raise ScoreError("a track holds notes only")
        # Keys compared as plain tuples (C speed): a track is rebuilt on every edit.
        keys = list(map(_NOTE_KEY, notes))
        if any(map(operator.gt, keys, itertools.islice(keys, 1, None))):
            notes = tuple(sorted(notes, key=_NOTE_KEY))
        object.__setattr__(self, "notes", notes)
        object.__setattr__(self, "_starts", tuple(map(_START, notes)))
        object.__setattr__(self, "_max_length", max(map(_LENGTH, notes), default=0))

    @property
    def to_synth(self) -> bool:
        return self.output != "port"

    @property
    def to_port(self) -> bool:
        return self.output != "synth" and bool(self.midi_port)

    def with_notes(self, notes) -> Track:
        return replace(self, notes=tuple(notes))

    def notes_in_range(self, start_tick: int, end_tick: int) -> list[Note]:
        """Notes sounding anywhere in [start_tick, end_tick), in start order."""
        lo = bisect.bisect_left(self._starts, start_tick - self._max_length + 1)
        hi = bisect.bisect_left(self._starts, end_tick)
        return [n for n in self.notes[lo:hi] if n.end_tick > start_tick]

    def notes_starting_in(self, start_tick: int, end_tick: int) -> tuple[Note, ...]:
        """Notes whose start lies in [start_tick, end_tick), in start order."""
        lo = bisect.bisect_left(self._starts, start_tick)
        hi = bisect.bisect_left(self._starts, end_tick)
        return self.notes[lo:hi]

    def note_at(self, tick: int, pitch: int) -> Note | None:
        """The note of ``pitch`` sounding at ``tick`` (the latest-starting one), or None."""
        for n in reversed(self.notes_in_range(tick, tick + 1)):
            if n.pitch == pitch:
                return n
        return None

    def index_of(self, note: Note) -> int:
        """Position of ``note`` in ``notes``; ValueError when absent."""
        i = bisect.bisect_left(self.notes, note)
        if i < len(self.notes) and self.notes[i] == note:
            return i
        raise ValueError(f"{note} is not in track {self.name!r}")

    def contains(self, note: Note) -> bool:
        i = bisect.bisect_left(self.notes, note)
        return i < len(self.notes) and self.notes[i] == note

    @property
    def end_tick(self) -> int:
        return max((n.end_tick for n in self.notes), default=0)

    def __reduce__(self):
        # The GUI pickles the whole score to the engine on every edit: the notes travel
        # as one packed int32 array (16 bytes each) and load without per-note Python
        # validation: ~10x faster to dump and ~5x to load than object by object
        # (engine/core/note_pack.py; `pianola bench transfer`).
        from engine.core import note_pack  # imported here: loading the model needs no numpy

        settings = tuple(getattr(self, name) for name in _TRACK_SETTINGS)
        return track_from_packed, (settings, note_pack.pack_notes(self.notes))


# Track's fields other than its notes, in constructor order (what __reduce__ sends).
_TRACK_SETTINGS = tuple(f.name for f in fields(Track) if f.init and f.name != "notes")


def track_with_sorted_notes(
    track: Track, notes: tuple[Note, ...], starts: tuple[int, ...], max_length: int, **fields
) -> Track:
    """``track`` (with ``fields`` changed) holding ``notes``, which were made valid and in
    order by the engine's own expansion, with their start ticks and an upper bound of
    their lengths: no per-note checks (pattern mode builds such a track every second)."""
    new = replace(track, notes=(), **fields)
    object.__setattr__(new, "notes", notes)
    object.__setattr__(new, "_starts", starts)
    object.__setattr__(new, "_max_length", max_length)
    return new


def track_from_packed(settings: tuple, data) -> Track:
    """A Track with ``settings`` (every field but the notes, in field order) and packed notes."""
    from engine.core import note_pack  # imported here: loading the model needs no numpy

    if not isinstance(settings, tuple) or len(settings) != len(_TRACK_SETTINGS):
        raise ScoreError("the settings of a packed track are malformed")
    notes, starts, max_length = note_pack.unpack_checked(data)
    # the track's own fields are validated as always
    track = Track(**dict(zip(_TRACK_SETTINGS, settings)))
    # The three fields Track.__post_init__ sets, from notes already checked sorted.
    object.__setattr__(track, "notes", notes)
    object.__setattr__(track, "_starts", starts)
    object.__setattr__(track, "_max_length", max_length)
    return track


@dataclass(frozen=True, slots=True)
class Marker:
    """A named place in the song (verse, chorus...), to see on the ruler and jump to."""

    tick: int
    name: str = "Marker"

    def __post_init__(self):
        check_score_int("marker tick", self.tick, 0, MAX_TICK)
        if not isinstance(self.name, str):
            raise ScoreError(f"a marker's name must be text, not {self.name!r}")


@dataclass(frozen=True, slots=True)
class LoopRegion:
    """The region [start_tick, end_tick) played over and over when looping is on."""

    start_tick: int
    end_tick: int

    def __post_init__(self) -> None:
        check_score_int("loop start tick", self.start_tick, 0, MAX_TICK)
        check_score_int("loop end tick", self.end_tick, 1, MAX_TICK)
        if self.end_tick <= self.start_tick:
            raise ScoreError(
                f"loop end ({self.end_tick}) must come after loop start ({self.start_tick})"
            )

    @property
    def length_ticks(self) -> int:
        return self.end_tick - self.start_tick


@dataclass(frozen=True, slots=True)
class Score:
    """A whole song: resolution, tempo and meter, loop region, tracks, patterns.

    ``placements`` put patterns on tracks (kept in (start tick, track, id) order);
    ``seed`` keys the dice of step probabilities, so every render of the song is the same.
    """

    tracks: tuple[Track, ...] = ()
    ppq: int = DEFAULT_PPQ
    tempo_map: TempoMap = field(default_factory=TempoMap)
    time_signatures: TimeSignatureMap = field(default_factory=TimeSignatureMap)
    loop: LoopRegion | None = None
    loop_enabled: bool = False
    title: str = ""
    patterns: tuple[Pattern, ...] = ()
    placements: tuple[Placement, ...] = ()
    seed: int = 0
    markers: tuple[Marker, ...] = ()  # sorted by tick, one per tick
    scale: SongScale = SongScale()  # the key the roll highlights; SongScale() = none
    _pattern_by_id: dict = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        check_score_int("PPQ", self.ppq, 24, 32767)
        tracks = tuple(self.tracks)
        if not all(isinstance(t, Track) for t in tracks):
            raise ScoreError("a score holds tracks only")
        object.__setattr__(self, "tracks", tracks)
        if not isinstance(self.tempo_map, TempoMap):
            raise ScoreError("the tempo map is missing")
        if not isinstance(self.time_signatures, TimeSignatureMap):
            raise ScoreError("the time-signature map is missing")
        if self.loop is not None and not isinstance(self.loop, LoopRegion):
            raise ScoreError("the loop region is malformed")
        if not isinstance(self.loop_enabled, bool):
            raise ScoreError("loop enabled must be true or false")
        if self.loop_enabled and self.loop is None:
            raise ScoreError("looping is on but there is no loop region")
        if not isinstance(self.title, str):
            raise ScoreError("the title must be text")
        check_score_int("song seed", self.seed, 0, 2**32 - 1)
        markers = tuple(sorted(self.markers, key=lambda m: getattr(m, "tick", -1)))
        if not all(isinstance(m, Marker) for m in markers):
            raise ScoreError("a score's markers must be markers")
        for a, b in zip(markers, markers[1:]):
            if a.tick == b.tick:
                raise ScoreError(f"two markers are at tick {a.tick}")
        object.__setattr__(self, "markers", markers)
        if not isinstance(self.scale, SongScale):
            raise ScoreError("the song's scale is malformed")
        self._check_patterns()

    def _check_patterns(self) -> None:
        patterns = tuple(self.patterns)
        if not all(isinstance(p, Pattern) for p in patterns):
            raise ScoreError("a score's patterns must be patterns")
        by_id = {p.id: p for p in patterns}
        if len(by_id) != len(patterns):
            raise ScoreError("two patterns of the song share an id")
        placements = tuple(self.placements)
        if not all(isinstance(p, Placement) for p in placements):
            raise ScoreError("a score's placements must be placements")
        if len({p.id for p in placements}) != len(placements):
            raise ScoreError("two pattern placements share an id")
        for placement in placements:
            pattern = by_id.get(placement.pattern_id)
            if pattern is None:
                raise ScoreError(
                    f"a placement names pattern {placement.pattern_id!r}, which is not in the song"
                )
            if placement.track >= len(self.tracks):
                raise ScoreError(
                    f"a placement of pattern {pattern.name!r} is on track {placement.track + 1}, which does not exist"
                )
            if placement.end_tick(pattern, self.ppq) > MAX_TICK:
                raise ScoreError(
                    f"a placement of pattern {pattern.name!r} ends beyond tick {MAX_TICK}"
                )
        object.__setattr__(self, "patterns", patterns)
        object.__setattr__(self, "placements", tuple(sorted(placements, key=placement_order)))
        object.__setattr__(self, "_pattern_by_id", by_id)

    def pattern(self, pattern_id: str) -> Pattern:
        """The pattern with this id; ScoreError when the song has none."""
        try:
            return self._pattern_by_id[pattern_id]
        except (KeyError, TypeError):
            raise ScoreError(f"the song has no pattern {pattern_id!r}") from None

    def has_pattern(self, pattern_id: str) -> bool:
        return pattern_id in self._pattern_by_id

    def placement_end_tick(self, placement: Placement) -> int:
        return placement.end_tick(self._pattern_by_id[placement.pattern_id], self.ppq)

    @property
    def end_tick(self) -> int:
        """The tick where the last note or pattern placement ends (0 for an empty score)."""
        notes_end = max((t.end_tick for t in self.tracks), default=0)
        return max(notes_end, max(map(self.placement_end_tick, self.placements), default=0))

    @property
    def note_count(self) -> int:
        return sum(len(t.notes) for t in self.tracks)

    def audible_tracks(self) -> list[int]:
        """Indexes of the tracks that sound given mute and solo (solo wins over mute)."""
        soloed = [i for i, t in enumerate(self.tracks) if t.solo]
        if soloed:
            return soloed
        return [i for i, t in enumerate(self.tracks) if not t.mute]

    def bar_ticks_at(self, tick: int) -> int:
        return self.time_signatures.at(tick).bar_ticks(self.ppq)

    def tick_to_seconds(self, tick: int) -> float:
        return self.tempo_map.tick_to_seconds(tick, self.ppq)

    def seconds_to_tick(self, seconds: float) -> int:
        return self.tempo_map.seconds_to_tick(seconds, self.ppq)
