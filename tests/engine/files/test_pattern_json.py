"""Patterns in the .pianola file: exact round trip, version 1 unchanged, located errors."""

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings

from engine.core import pattern_edits as pe
from engine.core.errors import FileFormatError
from engine.core.score import Note, Score, Track
from engine.files.project_file import dumps_project, load_project, loads_project, save_project
from tests.engine.strategies import pattern_scores

V1_TEXT = """{
  "format": "pianola", "version": 1, "title": "Old", "ppq": 480,
  "tempo_map": [{"tick": 0, "us_per_quarter": 500000}],
  "time_signatures": [{"tick": 0, "numerator": 4, "denominator": 4}],
  "loop": null, "loop_enabled": false,
  "tracks": [{"name": "Piano", "channel": 0, "program": 0, "notes": [
    {"start_tick": 0, "length_ticks": 480, "pitch": 60, "velocity": 100}]}]
}"""


@settings(max_examples=60, suppress_health_check=[HealthCheck.too_slow], deadline=None)
@given(pattern_scores())
def test_patterns_survive_save_and_load_exactly(tmp_path_factory, score):
    path = tmp_path_factory.mktemp("rt") / "song.pianola"
    save_project(score, path)
    assert load_project(path) == score
    assert loads_project(dumps_project(score)) == score


def beat():
    score = Score(tracks=(Track("Drums", channel=9, is_drum=True),))
    pattern = pe.new_pattern("Beat", keys=(36, 42))
    score = pe.add_pattern(score, pattern)
    kick, hat = (lane.id for lane in pattern.lanes)
    score = pe.set_step(score, pattern.id, kick, 0, on=True, velocity=127)
    score = pe.set_step(score, pattern.id, hat, 2, on=True, probability=50, condition=("ab", 1, 2))
    score, _ = pe.place_pattern(score, pattern.id, 0, 1920, repeats=3)
    return pe.set_seed(score, 1234), pattern


def test_version_2_holds_patterns_with_short_steps():
    score, pattern = beat()
    text = dumps_project(score)
    doc = json.loads(text)
    assert doc["version"] == 2 and doc["seed"] == 1234
    lanes = doc["patterns"][0]["lanes"]
    assert lanes[0]["steps"][:2] == [{"on": True, "velocity": 127}, {}]
    assert lanes[1]["steps"][2] == {"on": True, "probability": 50, "condition": "1:2"}
    assert doc["placements"] == [
        {
            "id": score.placements[0].id,
            "pattern_id": pattern.id,
            "track": 0,
            "start_tick": 1920,
            "repeats": 3,
        }
    ]
    lane_lines = [line for line in text.splitlines() if '"steps"' in line]
    assert len(lane_lines) == 2  # one lane per line
    assert loads_project(text) == score


def test_songs_without_patterns_stay_version_1_and_version_1_loads_unchanged():
    old = loads_project(V1_TEXT)
    assert old.tracks[0].notes == (Note(0, 480, 60),)
    assert old.patterns == () and old.placements == () and old.seed == 0
    assert json.loads(dumps_project(old))["version"] == 1


def doc_with(change):
    score, _ = beat()
    doc = json.loads(dumps_project(score))
    change(doc)
    return json.dumps(doc)


@pytest.mark.parametrize(
    "change, problem",
    [
        (
            lambda d: d["patterns"][0]["lanes"][1]["steps"][2].__setitem__("probability", 101),
            "patterns[0].lanes[1].steps[2].probability must be from 0 to 100, not 101",
        ),
        (
            lambda d: d["patterns"][0]["lanes"][0]["steps"][0].__setitem__("condition", "3:2"),
            "patterns[0].lanes[0].steps[0].condition: condition A must be from 1 to 2, not 3",
        ),
        (
            lambda d: d["patterns"][0]["lanes"][0]["steps"][0].__setitem__("condition", "often"),
            "patterns[0].lanes[0].steps[0].condition must be always, first",
        ),
        (
            lambda d: d["patterns"][0].__setitem__("step_size", "1/5"),
            "patterns[0].step_size must be one of 1/4",
        ),
        (
            lambda d: d["patterns"][0]["lanes"][0].__setitem__("steps", []),
            "patterns[0].lanes[0]: a lane has 1 to 64 steps, not 0",
        ),
        (
            lambda d: d["placements"][0].__setitem__("track", 4),
            "track 5, which does not exist",
        ),
        (lambda d: d["placements"][0].__setitem__("pattern_id", "gone"), "names pattern 'gone'"),
        (lambda d: d.__setitem__("seed", -2), "seed must be from 0 to 4294967295, not -2"),
        (lambda d: d.__setitem__("version", 1), "seed is not a known field"),
        (
            lambda d: d.__setitem__("version", 3),
            "it was saved by a newer Pianola (format version 3; this Pianola reads up to version 2)",
        ),
    ],
)
def test_bad_pattern_values_are_named_in_one_sentence(change, problem):
    with pytest.raises(FileFormatError, match=re.escape(problem)):
        loads_project(doc_with(change), "song.pianola")


def test_midi_export_writes_the_arrangement_as_notes(tmp_path):
    from engine.core.pattern_expand import arrangement_notes
    from engine.files.midifile import import_midi
    from engine.files.midifile_export import export_midi

    score, _ = beat()
    path = tmp_path / "beat.mid"
    export_midi(score, path)
    back = import_midi(path)
    expected = arrangement_notes(score, 0)
    assert len(expected) >= 3  # the kick on each of the three passes at least
    assert back.tracks[0].notes == expected
    export_midi(score, tmp_path / "again.mid")
    assert (tmp_path / "again.mid").read_bytes() == path.read_bytes()  # one realisation
