"""Write the song the step-grid screenshots show: the demo song with its drums as patterns.

Run by make-screenshots.sh as ``python docs/img/steps_song.py OUT.pianola``.
"""

import sys
from dataclasses import replace

from engine.core import pattern_edits as pe
from engine.core.pattern import Condition
from engine.files.project_file import load_project, save_project

KICK, SNARE, CLAP, HAT, OPEN_HAT, RIM, LOW_TOM, CRASH = 36, 38, 39, 42, 46, 37, 45, 49


def main(out: str) -> None:
    song = load_project("assets/demo.pianola")
    # the drums first: the window opens on the first track, so the grid shows drum names
    drums = next(i for i, t in enumerate(song.tracks) if t.is_drum)
    order = [drums] + [i for i in range(len(song.tracks)) if i != drums]
    song = replace(song, tracks=tuple(song.tracks[i] for i in order))
    drums = 0
    song = replace(
        song, tracks=tuple(t.with_notes(()) if i == drums else t for i, t in enumerate(song.tracks))
    )
    beat = pe.new_pattern("Beat", (KICK, SNARE, HAT, OPEN_HAT, CLAP, RIM, LOW_TOM, CRASH))
    song = pe.add_pattern(song, beat)
    lanes = {lane.key: lane.id for lane in beat.lanes}

    def on(score, key, steps, **fields):
        for i in steps:
            score = pe.set_step(score, beat.id, lanes[key], i, on=True, **fields)
        return score

    song = on(song, KICK, (0, 6, 10), velocity=118)
    song = on(song, SNARE, (4, 12), velocity=104)
    for i in range(16):
        song = on(song, HAT, (i,), velocity=96 if i % 4 == 0 else 52 + (i % 2) * 18)
    song = on(song, OPEN_HAT, (14,), velocity=84, probability=60)
    song = on(song, CLAP, (12,), velocity=90, condition=Condition("ab", 2, 2))
    song = on(song, RIM, (3, 11), velocity=70, ratchet=2)
    song = on(song, LOW_TOM, (13,), velocity=96, length_steps=3, condition=Condition("fill"))
    song = on(song, CRASH, (0,), velocity=110, condition=Condition("first"))
    song = pe.set_lane_length(song, beat.id, lanes[RIM], 12)  # polymeter: 12 against 16
    song = pe.set_pattern_settings(song, beat.id, swing=58)
    song, fill = pe.duplicate_pattern(song, beat.id, "Fill")
    fill_lanes = {lane.key: lane.id for lane in fill.lanes}
    for i in (8, 10, 12, 13, 14, 15):
        song = pe.set_step(song, fill.id, fill_lanes[SNARE], i, on=True, velocity=60 + 4 * i)
    bar = song.time_signatures.at(0).bar_ticks(song.ppq)
    bars = song.end_tick // bar
    at = 0
    while at + 4 <= bars:
        song, _ = pe.place_pattern(song, beat.id, drums, at * bar, 3)
        song, _ = pe.place_pattern(song, fill.id, drums, (at + 3) * bar, 1)
        at += 4
    save_project(song, out)


if __name__ == "__main__":
    main(sys.argv[1])
