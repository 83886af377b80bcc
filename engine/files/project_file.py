"""The ``.pianola`` project file: JSON with a format name and version (pure apart from file I/O).

Loading checks every value (type, range, the format version) before any score exists and
raises ``FileFormatError`` naming the file and the first problem, with the JSON path of the
bad value (``tracks[2].notes[14].pitch must be from 0 to 127, not 300``).  Saving writes a
temporary file beside the target, syncs it and renames it over the target, so a crash or
a full disk leaves the previous file whole.  The format is described in docs/file-format.md.
"""

from __future__ import annotations

import json
from pathlib import Path

from engine.core.checks import BANK, CHANNEL, MIDI_DATA, PITCH, VELOCITY
from engine.core.controllers import ControlEvent
from engine.core.error_translation import describe_os_error, reading, writing
from engine.core.errors import FileFormatError
from engine.core.scales import SongScale
from engine.core.score import MAX_TICK, LoopRegion, Marker, Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, TimeSignature, TimeSignatureMap
from engine.files import pattern_json
from engine.files.file_io import read_regular_file, write_file_atomically
from engine.files.json_checks import _build, _check_object, _json_kind, _json_text, _Problem

__all__ = ["describe_os_error", "write_file_atomically"]  # kept importable from here

FORMAT_NAME = "pianola"
FORMAT_VERSION = 2  # 2 adds patterns, placements and the seed (engine.files.pattern_json)
SUFFIX = ".pianola"

# field -> (kind, low, high, required); kind "int" | "bool" | "str" | "list" | "object|null".
# One table per object, as mido keeps its message specs: the loader, the writer and the
# format document all follow these.
NOTE_FIELDS = {
    "start_tick": ("int", 0, MAX_TICK, True),
    "length_ticks": ("int", 1, MAX_TICK, True),
    "pitch": ("int", *PITCH, True),
    "velocity": ("int", *VELOCITY, True),
}
TRACK_FIELDS = {
    "name": ("str", None, None, True),
    "channel": ("int", *CHANNEL, True),
    "bank": ("int", *BANK, False),
    "program": ("int", *MIDI_DATA, True),
    "is_drum": ("bool", None, None, False),
    "volume": ("int", *MIDI_DATA, False),
    "pan": ("int", *MIDI_DATA, False),
    "mute": ("bool", None, None, False),
    "solo": ("bool", None, None, False),
    "colour": ("str", None, None, False),  # "#rrggbb"; absent: the window chooses
    "notes": ("list", None, None, True),
    "controllers": ("list", None, None, False),
    "output": ("str", None, None, False),
    "midi_port": ("str", None, None, False),
}
CONTROL_FIELDS = {
    "tick": ("int", 0, MAX_TICK, True),
    "kind": ("str", None, None, True),
    "number": ("int", *MIDI_DATA, False),
    "value": ("int", -8192, 8191, True),
}
TEMPO_FIELDS = {
    "tick": ("int", 0, MAX_TICK, True),
    "us_per_quarter": ("int", 1, None, True),  # the range (10..999 BPM) is TempoChange's
}
SIGNATURE_FIELDS = {
    "tick": ("int", 0, MAX_TICK, True),
    "numerator": ("int", 1, 64, True),
    "denominator": ("int", 1, 64, True),
}
LOOP_FIELDS = {
    "start_tick": ("int", 0, MAX_TICK, True),
    "end_tick": ("int", 1, MAX_TICK, True),
}
SCORE_FIELDS = {
    "format": ("str", None, None, True),
    "version": ("int", None, None, True),
    "title": ("str", None, None, False),
    "ppq": ("int", 24, 32767, True),
    "tempo_map": ("list", None, None, True),
    "time_signatures": ("list", None, None, True),
    "loop": ("object|null", None, None, False),
    "loop_enabled": ("bool", None, None, False),
    "markers": ("list", None, None, False),  # absent: no markers
    "scale": ("object|null", None, None, False),  # absent or null: no scale
    "tracks": ("list", None, None, True),
}
SCALE_FIELDS = {
    "name": ("str", None, None, True),  # one of engine.core.scales.SCALES
    "root": ("int", 0, 11, True),  # pitch class, 0 = C
    "fold": ("bool", None, None, False),
}
MARKER_FIELDS = {
    "tick": ("int", 0, MAX_TICK, True),
    "name": ("str", None, None, True),
}


def _note(obj, where: str) -> Note:
    # Notes are the bulk of a file: check them inline rather than through the table loop.
    if type(obj) is dict and len(obj) == 4:
        try:
            s, n, p, v = obj["start_tick"], obj["length_ticks"], obj["pitch"], obj["velocity"]
        except KeyError:
            pass
        else:
            if (
                type(s) is int
                and type(n) is int
                and type(p) is int
                and type(v) is int
                and 0 <= s
                and 1 <= n
                and s + n <= MAX_TICK
                and PITCH[0] <= p <= PITCH[1]
                and VELOCITY[0] <= v <= VELOCITY[1]
            ):
                return Note(s, n, p, v)
    _check_object(obj, NOTE_FIELDS, where)
    return _build(where, Note, **obj)


def _track(obj, where: str) -> Track:
    _check_object(obj, TRACK_FIELDS, where)
    notes = [_note(n, f"{where}.notes[{i}]") for i, n in enumerate(obj["notes"])]
    controllers = [
        _build(
            f"{where}.controllers[{i}]",
            ControlEvent,
            **_check_object(c, CONTROL_FIELDS, f"{where}.controllers[{i}]"),
        )
        for i, c in enumerate(obj.get("controllers", ()))
    ]
    fields = {k: v for k, v in obj.items() if k not in ("notes", "controllers")}
    return _build(where, Track, notes=tuple(notes), controllers=tuple(controllers), **fields)


def score_from_json(doc) -> Score:
    """Build a Score from the parsed JSON document; raises _Problem on the first fault."""
    if not isinstance(doc, dict):
        raise _Problem(f"the file must hold a JSON object, not {_json_kind(doc)}")
    if doc.get("format") != FORMAT_NAME:
        raise _Problem('it is not a Pianola project (its "format" is not "pianola")')
    version = doc.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise _Problem(f"version must be a whole number from 1, not {_json_text(version)}")
    if version > FORMAT_VERSION:
        raise _Problem(
            f"it was saved by a newer Pianola (format version {version}; "
            f"this Pianola reads up to version {FORMAT_VERSION})"
        )
    if version >= pattern_json.PATTERN_VERSION:
        _check_object(doc, SCORE_FIELDS | pattern_json.SCORE_FIELDS_V2, "")
        pattern_fields = pattern_json.patterns_from_json(doc)
    else:
        _check_object(doc, SCORE_FIELDS, "")
        pattern_fields = {}
    tempos = tuple(
        _build(f"tempo_map[{i}]", TempoChange, **_check_object(c, TEMPO_FIELDS, f"tempo_map[{i}]"))
        for i, c in enumerate(doc["tempo_map"])
    )
    signatures = tuple(
        _build(
            f"time_signatures[{i}]",
            TimeSignature,
            **_check_object(s, SIGNATURE_FIELDS, f"time_signatures[{i}]"),
        )
        for i, s in enumerate(doc["time_signatures"])
    )
    loop = doc.get("loop")
    if loop is not None:
        loop = _build("loop", LoopRegion, **_check_object(loop, LOOP_FIELDS, "loop"))
    tracks = tuple(_track(t, f"tracks[{i}]") for i, t in enumerate(doc["tracks"]))
    markers = doc.get("markers", [])
    if not isinstance(markers, list):
        raise _Problem(f"markers must be a list, not {_json_text(markers)}")
    markers = tuple(
        _build(f"markers[{i}]", Marker, **_check_object(m, MARKER_FIELDS, f"markers[{i}]"))
        for i, m in enumerate(markers)
    )
    scale = doc.get("scale")
    scale = (
        SongScale()
        if scale is None
        else _build("scale", SongScale, **_check_object(scale, SCALE_FIELDS, "scale"))
    )
    return _build(
        "the song",
        Score,
        tracks=tracks,
        ppq=doc["ppq"],
        tempo_map=_build("tempo_map", TempoMap, tempos),
        time_signatures=_build("time_signatures", TimeSignatureMap, signatures),
        loop=loop,
        loop_enabled=doc.get("loop_enabled", False),
        title=doc.get("title", ""),
        markers=markers,
        scale=scale,
        **pattern_fields,
    )


def loads_project(text: str, path="<text>") -> Score:
    """Parse project JSON text; ``path`` only names the source in error messages."""
    try:
        with reading(path):  # deep nesting, numbers past Python's digit limit
            doc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FileFormatError(
            path, f"it is not valid JSON ({exc.msg} at line {exc.lineno}, column {exc.colno})"
        ) from None
    try:
        with reading(path):
            return score_from_json(doc)
    except _Problem as exc:
        raise FileFormatError(path, str(exc)) from None


def load_project(path) -> Score:
    path = Path(path)
    data = read_regular_file(path)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise FileFormatError(path, "it is not a text file (it is not UTF-8)") from None
    return loads_project(text, path)


# --- writing ------------------------------------------------------------------------


def score_to_json(score: Score) -> dict:
    """The project as a JSON object: version 2 when the song has patterns, else version 1
    (which every Pianola reads)."""
    doc = _score_to_json_v1(score)
    if pattern_json.uses_patterns(score):
        doc["version"] = pattern_json.PATTERN_VERSION
        doc.update(pattern_json.patterns_to_json(score))
    return doc


def _score_to_json_v1(score: Score) -> dict:
    return {
        "format": FORMAT_NAME,
        "version": 1,
        "title": score.title,
        "ppq": score.ppq,
        "tempo_map": [
            {"tick": c.tick, "us_per_quarter": c.us_per_quarter} for c in score.tempo_map.changes
        ],
        "time_signatures": [
            {"tick": s.tick, "numerator": s.numerator, "denominator": s.denominator}
            for s in score.time_signatures.signatures
        ],
        "loop": (
            None
            if score.loop is None
            else {"start_tick": score.loop.start_tick, "end_tick": score.loop.end_tick}
        ),
        "loop_enabled": score.loop_enabled,
        # only a song with markers has the field, so other songs' files stay as they were
        **(
            {"markers": [{"tick": m.tick, "name": m.name} for m in score.markers]}
            if score.markers
            else {}
        ),
        # only a song with a scale has the field, so other songs' files stay as they were
        **(
            {
                "scale": {
                    "name": score.scale.name,
                    "root": score.scale.root,
                    "fold": score.scale.fold,
                }
            }
            if score.scale != SongScale()
            else {}
        ),
        "tracks": [
            {
                "name": t.name,
                "channel": t.channel,
                "bank": t.bank,
                "program": t.program,
                "is_drum": t.is_drum,
                "volume": t.volume,
                "pan": t.pan,
                "mute": t.mute,
                "solo": t.solo,
                # only a chosen colour is written, so other songs' files stay as they were
                **({"colour": t.colour} if t.colour else {}),
                **({"output": t.output} if t.output != "synth" else {}),
                **({"midi_port": t.midi_port} if t.midi_port else {}),
                **(
                    {
                        "controllers": [
                            {"tick": c.tick, "kind": c.kind, "number": c.number, "value": c.value}
                            for c in t.controllers
                        ]
                    }
                    if t.controllers
                    else {}
                ),
                "notes": [
                    {
                        "start_tick": n.start_tick,
                        "length_ticks": n.length_ticks,
                        "pitch": n.pitch,
                        "velocity": n.velocity,
                    }
                    for n in t.notes
                ],
            }
            for t in score.tracks
        ],
    }


def dumps_project(score: Score) -> str:
    """The project as JSON text: indented, one note per line (readable, diff-friendly)."""
    doc = score_to_json(score)
    tracks = doc.pop("tracks")
    v2 = {k: doc.pop(k) for k in pattern_json.SCORE_FIELDS_V2 if k in doc}
    head = json.dumps(doc, indent=2, ensure_ascii=False)[:-2]  # drop the closing "\n}"
    if v2:
        head += ",\n" + pattern_json.dumps_patterns(v2)
    parts = []
    for t in tracks:
        notes = t.pop("notes")
        fields = json.dumps(t, ensure_ascii=False)[:-1]  # keep the object open
        note_lines = ",\n".join("      " + json.dumps(n) for n in notes)
        body = f'"notes": [\n{note_lines}\n    ]' if notes else '"notes": []'
        parts.append(f"    {fields}, {body}}}")
    track_text = "[\n" + ",\n".join(parts) + "\n  ]" if parts else "[]"
    return f'{head},\n  "tracks": {track_text}\n}}\n'


def save_project(score: Score, path) -> None:
    """Write ``score`` to ``path`` atomically (raises FileWriteError, old file intact)."""
    if not isinstance(score, Score):
        raise TypeError("save_project needs a Score")
    with writing(path):
        data = dumps_project(score).encode("utf-8")
    write_file_atomically(path, data)
