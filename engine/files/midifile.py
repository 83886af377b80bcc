"""Standard MIDI files in through mido, and the tick rules both directions share (pure
apart from file I/O).

Import reads types 0 and 1, one Pianola track per (file track, channel) that carries
channel messages; writing is ``engine.files.midifile_export``.  Every rule that loses or bends information —
pairing of overlapping notes, notes never released, PPQ rounding, clamped values — is
written down in docs/file-format.md; the tests check each.
"""

from __future__ import annotations

import bisect
import io
from collections import defaultdict, deque
from pathlib import Path

import mido

from engine.core.controllers import (
    CC_BANK_LSB,
    CC_BANK_MSB,
    CC_PAN,
    CC_VOLUME,
    CONTROL,
    PITCH_BEND,
    PROGRAM,
    ControlEvent,
)
from engine.core.error_translation import reading
from engine.core.errors import FileFormatError, ScoreError
from engine.core.score import GM_DRUM_CHANNEL, MAX_TICK, Marker, Note, Score, Track
from engine.core.timing import (
    DEFAULT_PPQ,
    DEFAULT_US_PER_QUARTER,
    MAX_BPM,
    MIN_BPM,
    TempoChange,
    TempoMap,
    TimeSignature,
    TimeSignatureMap,
    bpm_to_us_per_quarter,
)
from engine.files.file_io import read_regular_file
from engine.files.smf_check import SmfDamage, check_smf

MIN_US_PER_QUARTER = bpm_to_us_per_quarter(MAX_BPM)
MAX_US_PER_QUARTER = bpm_to_us_per_quarter(MIN_BPM)
MIN_PPQ, MAX_PPQ = 24, 32767  # the score's range; MIDI allows 1..32767


def rescale_tick(tick: int, from_ppq: int, to_ppq: int) -> int:
    """``tick`` at ``from_ppq`` in ticks of ``to_ppq``, rounded to nearest (halves up).

    Always applied to absolute positions, never to deltas, so each position is rounded
    once and errors never add up along a track.
    """
    if from_ppq == to_ppq:
        return tick
    return (2 * tick * to_ppq + from_ppq) // (2 * from_ppq)


def _text(value: str) -> str:
    """Meta text read as Latin-1 by mido: recover UTF-8 when it is valid UTF-8."""
    try:
        return value.encode("latin-1").decode("utf-8")
    except UnicodeError:
        return value


# --- import -------------------------------------------------------------------------


class _Group:
    """Channel messages of one channel within one file track, as they are read."""

    __slots__ = ("channel", "open", "ons", "notes", "settings", "controls")

    def __init__(self, channel: int):
        self.channel = channel
        # pitch -> (start_tick, velocity) not yet released
        self.open: defaultdict[int, deque[tuple[int, int]]] = defaultdict(deque)
        self.ons: defaultdict[int, list[int]] = defaultdict(list)  # every note-on tick, in order
        # (start_tick, end_tick, pitch, velocity) at the file's PPQ
        self.notes: list[tuple[int, int, int, int]] = []
        self.settings: dict[str, int] = {}  # first of: bank_msb, bank_lsb, program, volume, pan
        # (tick, kind, number, value) of every later change, in order
        self.controls: list[tuple[int, str, int, int]] = []

    def control(self, tick: int, kind: str, number: int, value: int) -> None:
        """The first bank, program, volume and pan are the track's settings; everything
        after them (and every other controller, pitch bend) is a controller event."""
        key = _SETTING_OF.get((kind, number))
        if key is not None and key not in self.settings:
            self.settings[key] = value
        else:
            self.controls.append((tick, kind, number, value))

    def note_on(self, tick: int, pitch: int, velocity: int) -> None:
        self.open[pitch].append((tick, velocity))
        self.ons[pitch].append(tick)

    def note_off(self, tick: int, pitch: int) -> None:
        waiting = self.open.get(pitch)
        if waiting:  # first in, first out: the oldest sounding note of this pitch ends
            start, velocity = waiting.popleft()
            self.notes.append((start, tick, pitch, velocity))
        # a note-off with nothing sounding is ignored

    def close(self, end_tick: int) -> None:
        """End the notes never released: at the next note-on of their pitch, else the end."""
        for pitch, waiting in self.open.items():
            ons = self.ons[pitch]
            for start, velocity in waiting:
                i = bisect.bisect_right(ons, start)
                self.notes.append((start, ons[i] if i < len(ons) else end_tick, pitch, velocity))
        self.open.clear()


def _read_midifile(path: Path) -> mido.MidiFile:
    data = read_regular_file(path)
    if not data:
        raise FileFormatError(path, "the file is empty")
    if not data.startswith(b"MThd"):
        raise FileFormatError(path, "it is not a MIDI file (it does not start with MThd)")
    try:
        layout = check_smf(data)
    except SmfDamage as exc:
        raise FileFormatError(path, str(exc)) from None
    # Whatever mido raises on a damaged event (its own KeySignatureError included) means
    # the same to a musician: the file is damaged.
    with reading(path, libraries=("mido",), damaged="the MIDI file"):
        return mido.MidiFile(file=io.BytesIO(layout.image))


def import_midi(path, ppq: int | None = None) -> Score:
    """Read a type 0 or type 1 Standard MIDI File as a Score.

    ``ppq`` is the resolution of the score; by default the file's own (or 480 when the
    file's is below 24).  Raises FileFormatError naming the file and the problem.
    """
    path = Path(path)
    if ppq is not None and (
        isinstance(ppq, bool) or not isinstance(ppq, int) or not MIN_PPQ <= ppq <= MAX_PPQ
    ):
        raise ScoreError(f"PPQ must be from {MIN_PPQ} to {MAX_PPQ}, not {ppq!r}")
    mid = _read_midifile(path)
    if mid.type == 2:
        raise FileFormatError(
            path, "it is a type 2 MIDI file (separate patterns), which Pianola does not read"
        )
    file_ppq = mid.ticks_per_beat
    if file_ppq <= 0:
        raise FileFormatError(
            path, "it counts time in SMPTE frames instead of beats, which Pianola does not read"
        )
    if ppq is None:
        ppq = file_ppq if MIN_PPQ <= file_ppq <= MAX_PPQ else DEFAULT_PPQ
    try:
        return _score_from_midifile(mid, file_ppq, ppq)
    except ScoreError as exc:
        raise FileFormatError(path, str(exc)) from None


_SETTING_OF = {
    (CONTROL, CC_BANK_MSB): "bank_msb",
    (CONTROL, CC_BANK_LSB): "bank_lsb",
    (CONTROL, CC_VOLUME): "volume",
    (CONTROL, CC_PAN): "pan",
    (PROGRAM, 0): "program",
}


def _new_group(groups: dict, channel: int) -> _Group:
    groups[channel] = group = _Group(channel)
    return group


def _score_from_midifile(mid: mido.MidiFile, file_ppq: int, ppq: int) -> Score:
    tempos: dict[int, int] = {}
    signatures: dict[int, tuple[int, int]] = {}
    markers: dict[int, str] = {}  # file tick -> name (the first marker at a tick wins)
    tracks = []
    title = ""
    for index, file_track in enumerate(mid.tracks):
        groups: dict[int, _Group] = {}
        name = None
        tick = 0
        for msg in file_track:
            tick += msg.time
            kind = msg.type
            if kind == "note_on" or kind == "note_off":
                group = groups.get(msg.channel) or _new_group(groups, msg.channel)
                if kind == "note_on" and msg.velocity > 0:
                    group.note_on(tick, msg.note, msg.velocity)
                else:  # note-on with velocity 0 is a note-off (running-status idiom)
                    group.note_off(tick, msg.note)
            elif kind == "control_change":
                group = groups.get(msg.channel) or _new_group(groups, msg.channel)
                group.control(tick, CONTROL, msg.control, msg.value)
            elif kind == "program_change":
                group = groups.get(msg.channel) or _new_group(groups, msg.channel)
                group.control(tick, PROGRAM, 0, msg.program)
            elif kind == "pitchwheel":
                group = groups.get(msg.channel) or _new_group(groups, msg.channel)
                group.control(tick, PITCH_BEND, 0, msg.pitch)
            elif kind == "set_tempo":
                tempos[tick] = min(max(msg.tempo, MIN_US_PER_QUARTER), MAX_US_PER_QUARTER)
            elif kind == "time_signature":
                signatures[tick] = (min(max(msg.numerator, 1), 64), min(msg.denominator, 64))
            elif kind == "marker":
                markers.setdefault(tick, _text(msg.text))
            elif kind == "track_name" and name is None:
                name = _text(msg.name)
        for group in groups.values():
            group.close(tick)
        if mid.type == 1 and index == 0 and not groups:
            title = name or ""
        elif mid.type == 0:
            title = name or ""
            name = None  # the one track's name names the song, not a part
        for channel in sorted(groups):
            group = groups[channel]
            tracks.append(_track_from_group(group, name, len(groups) > 1, file_ppq, ppq))
    return Score(
        tracks=tuple(tracks),
        ppq=ppq,
        tempo_map=TempoMap(
            _rescaled_changes(
                tempos, file_ppq, ppq, DEFAULT_US_PER_QUARTER, lambda t, us: TempoChange(t, us)
            )
        ),
        time_signatures=TimeSignatureMap(
            _rescaled_changes(
                signatures, file_ppq, ppq, (4, 4), lambda t, sig: TimeSignature(t, *sig)
            )
        ),
        title=title,
        markers=_rescaled_markers(markers, file_ppq, ppq),
    )


def _rescaled_markers(markers: dict, file_ppq: int, ppq: int) -> tuple:
    """Markers at rescaled ticks; when two land on one tick the first one stays."""
    out: dict[int, str] = {}
    for tick in sorted(markers):
        out.setdefault(rescale_tick(tick, file_ppq, ppq), markers[tick])
    return tuple(Marker(tick, name) for tick, name in sorted(out.items()))


def _rescaled_changes(changes: dict, file_ppq: int, ppq: int, default, make) -> tuple:
    """Changes at rescaled ticks; when two land on one tick the later one wins."""
    at: dict[int, object] = {0: default}
    for tick in sorted(changes):
        at[_checked_tick(rescale_tick(tick, file_ppq, ppq))] = changes[tick]
    return tuple(make(t, v) for t, v in sorted(at.items()))


def _checked_tick(tick: int) -> int:
    if tick > MAX_TICK:
        raise ScoreError(f"the song is too long (past tick {MAX_TICK})")
    return tick


def _track_from_group(
    group: _Group, name: str | None, split: bool, file_ppq: int, ppq: int
) -> Track:
    channel = group.channel
    is_drum = channel == GM_DRUM_CHANNEL
    if name is None:
        name = "Drums" if is_drum else f"Channel {channel + 1}"
    elif split:
        name = f"{name} (channel {channel + 1})"
    s = group.settings
    raw = []
    for start, end, pitch, velocity in group.notes:
        start = rescale_tick(start, file_ppq, ppq)
        end = _checked_tick(rescale_tick(end, file_ppq, ppq))
        # a note released on the tick it started (or rounded to nothing) keeps one tick
        raw.append((start, max(1, end - start), pitch, velocity))
    raw.sort()
    notes = [Note(*fields) for fields in raw]
    controls = [
        ControlEvent(_checked_tick(rescale_tick(tick, file_ppq, ppq)), kind, number, value)
        for tick, kind, number, value in group.controls
    ]
    return Track(
        name=name,
        channel=channel,
        bank=s.get("bank_msb", 0) * 128 + s.get("bank_lsb", 0),
        program=s.get("program", 0),
        is_drum=is_drum,
        volume=s.get("volume", 100),
        pan=s.get("pan", 64),
        notes=tuple(notes),
        controllers=tuple(controls),
    )
