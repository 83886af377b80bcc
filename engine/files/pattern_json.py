"""Patterns, placements and the probability seed in the ``.pianola`` file (pure apart
from what ``engine.files.project_file`` does with the text).

Format version 2 adds three optional top-level fields: ``seed``, ``patterns`` and
``placements`` (docs/file-format.md describes each field).  A step is written with only
the fields that differ from a fresh step (``{}`` is a rest with the defaults), so a
pattern stays small and readable: one lane per line.
"""

from __future__ import annotations

import json
import re

from engine.core.checks import PITCH, VELOCITY
from engine.core.pattern import (
    CONDITION_KINDS,
    MAX_CONDITION_B,
    MAX_RATCHET,
    MAX_REPEATS,
    MAX_STEPS,
    OFF,
    STEP_SIZES,
    Condition,
    Lane,
    Pattern,
    Placement,
    Step,
)
from engine.core.score import MAX_TICK, Score
from engine.files.json_checks import _build, _check_object, _json_text, _Problem

PATTERN_VERSION = 2  # the first format version that holds patterns

STEP_FIELDS = {
    "on": ("bool", None, None, False),
    "velocity": ("int", *VELOCITY, False),
    "length_steps": ("int", 1, MAX_STEPS, False),
    "offset_pct": ("int", -50, 50, False),
    "probability": ("int", 0, 100, False),
    "ratchet": ("int", 1, MAX_RATCHET, False),
    "condition": ("str", None, None, False),
}
LANE_FIELDS = {
    "id": ("str", None, None, True),
    "key": ("int", *PITCH, True),
    "name": ("str", None, None, False),
    "mute": ("bool", None, None, False),
    "solo": ("bool", None, None, False),
    "steps": ("list", None, None, True),
}
PATTERN_FIELDS = {
    "id": ("str", None, None, True),
    "name": ("str", None, None, True),
    "length_steps": ("int", 1, MAX_STEPS, True),
    "step_size": ("str", None, None, True),
    "swing": ("int", 50, 75, False),
    "lanes": ("list", None, None, True),
}
PLACEMENT_FIELDS = {
    "id": ("str", None, None, True),
    "pattern_id": ("str", None, None, True),
    "track": ("int", 0, 1023, True),
    "start_tick": ("int", 0, MAX_TICK, True),
    "repeats": ("int", 1, MAX_REPEATS, False),
}
# The top-level fields version 2 adds to the score's table.
SCORE_FIELDS_V2 = {
    "seed": ("int", 0, 2**32 - 1, False),
    "patterns": ("list", None, None, False),
    "placements": ("list", None, None, False),
}
_AB = re.compile(r"(\d{1,2}):(\d{1,2})")


def uses_patterns(score: Score) -> bool:
    """Whether the song needs format version 2 (else it is written as version 1, which
    older Pianolas read)."""
    return bool(score.patterns or score.placements or score.seed)


# --- reading --------------------------------------------------------------------------


def condition_from_text(text: str, where: str) -> Condition:
    match = _AB.fullmatch(text)
    if match:
        return _build(where, Condition, "ab", int(match.group(1)), int(match.group(2)))
    if text in CONDITION_KINDS and text != "ab":
        return Condition(text)
    raise _Problem(
        f"{where} must be always, first, not_first, fill, not_fill or A:B "
        f"(B up to {MAX_CONDITION_B}), not {_json_text(text)}"
    )


def _step(obj, where: str) -> Step:
    if obj == {}:
        return OFF
    _check_object(obj, STEP_FIELDS, where)
    fields = dict(obj)
    if "condition" in fields:
        fields["condition"] = condition_from_text(fields["condition"], f"{where}.condition")
    return _build(where, Step, **fields)


def _lane(obj, where: str) -> Lane:
    _check_object(obj, LANE_FIELDS, where)
    steps = tuple(_step(s, f"{where}.steps[{i}]") for i, s in enumerate(obj["steps"]))
    fields = {k: v for k, v in obj.items() if k != "steps"}
    return _build(where, Lane, steps=steps, **fields)


def _pattern(obj, where: str) -> Pattern:
    _check_object(obj, PATTERN_FIELDS, where)
    if obj["step_size"] not in STEP_SIZES:
        raise _Problem(
            f"{where}.step_size must be one of {', '.join(STEP_SIZES)}, "
            f"not {_json_text(obj['step_size'])}"
        )
    lanes = tuple(_lane(lane, f"{where}.lanes[{i}]") for i, lane in enumerate(obj["lanes"]))
    fields = {k: v for k, v in obj.items() if k != "lanes"}
    return _build(where, Pattern, lanes=lanes, **fields)


def patterns_from_json(doc) -> dict:
    """The Score fields of version 2 found in ``doc`` (each checked, located on a fault)."""
    patterns = tuple(_pattern(p, f"patterns[{i}]") for i, p in enumerate(doc.get("patterns", ())))
    placements = tuple(
        _build(
            f"placements[{i}]",
            Placement,
            **_check_object(p, PLACEMENT_FIELDS, f"placements[{i}]"),
        )
        for i, p in enumerate(doc.get("placements", ()))
    )
    return {"patterns": patterns, "placements": placements, "seed": doc.get("seed", 0)}


# --- writing --------------------------------------------------------------------------


def condition_text(condition: Condition) -> str:
    return f"{condition.a}:{condition.b}" if condition.kind == "ab" else condition.kind


def step_to_json(step: Step) -> dict:
    """Only the fields that differ from a fresh step."""
    out = {}
    for name in ("on", "velocity", "length_steps", "offset_pct", "probability", "ratchet"):
        value = getattr(step, name)
        if value != getattr(OFF, name):
            out[name] = value
    if step.condition != OFF.condition:
        out["condition"] = condition_text(step.condition)
    return out


def patterns_to_json(score: Score) -> dict:
    return {
        "seed": score.seed,
        "patterns": [
            {
                "id": p.id,
                "name": p.name,
                "length_steps": p.length_steps,
                "step_size": p.step_size,
                "swing": p.swing,
                "lanes": [
                    {
                        "id": lane.id,
                        "key": lane.key,
                        "name": lane.name,
                        "mute": lane.mute,
                        "solo": lane.solo,
                        "steps": [step_to_json(s) for s in lane.steps],
                    }
                    for lane in p.lanes
                ],
            }
            for p in score.patterns
        ],
        "placements": [
            {
                "id": a.id,
                "pattern_id": a.pattern_id,
                "track": a.track,
                "start_tick": a.start_tick,
                "repeats": a.repeats,
            }
            for a in score.placements
        ],
    }


def dumps_patterns(fields: dict) -> str:
    """The version-2 fields as JSON lines to splice into the project text (one lane and
    one placement per line)."""
    parts = [f'  "seed": {fields["seed"]}']
    pattern_texts = []
    for p in fields["patterns"]:
        head = json.dumps({k: v for k, v in p.items() if k != "lanes"}, ensure_ascii=False)
        lanes = ",\n".join("      " + json.dumps(lane, ensure_ascii=False) for lane in p["lanes"])
        body = f'"lanes": [\n{lanes}\n    ]' if lanes else '"lanes": []'
        pattern_texts.append(f"    {head[:-1]}, {body}}}")
    parts.append(
        '  "patterns": ' + ("[\n" + ",\n".join(pattern_texts) + "\n  ]" if pattern_texts else "[]")
    )
    placements = [f"    {json.dumps(a, ensure_ascii=False)}" for a in fields["placements"]]
    parts.append(
        '  "placements": ' + ("[\n" + ",\n".join(placements) + "\n  ]" if placements else "[]")
    )
    return ",\n".join(parts)
