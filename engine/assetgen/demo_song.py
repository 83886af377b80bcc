"""The demo song Pianola opens on first run, built note by note (pure).

"First Light": 24 bars of A-minor pop at 116 BPM -- intro, verse, chorus, outro -- on
five tracks (lead, piano, pad, bass, drums) using only General MIDI programs that
Pianola's own SoundFont provides, so it sounds as meant on the bundled font and on any
GM font such as FluidR3_GM.  ``python -m engine.assetgen.demo_song assets/demo.pianola`` writes
the committed file; a test checks that the two agree.

Positions are written in sixteenth notes (integers) inside a bar, so every tick is exact.
"""

from __future__ import annotations

import argparse
import sys

from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap

PPQ = 480
BPM = 116
SIXTEENTH = PPQ // 4
BAR = 16 * SIXTEENTH
TITLE = "First Light (Pianola demo)"

# Sections as (first bar, last bar) counted from 1.
INTRO, VERSE, CHORUS, OUTRO = (1, 4), (5, 12), (13, 20), (21, 24)
BARS = OUTRO[1]

# GM programs, all present in assets/pianola.sf2.
PIANO, SQUARE_LEAD, FINGER_BASS, WARM_PAD = 0, 80, 33, 89

# GM drum keys.
KICK, RIM, SNARE, CLAP, HAT, OPEN_HAT, CRASH, RIDE = 36, 37, 38, 39, 42, 46, 49, 51
LOW_TOM, LOW_MID_TOM, HI_MID_TOM, HIGH_TOM = 45, 47, 48, 50
# A crash is held for a whole bar: its note-off starts the release, and a shorter note
# damps the cymbal audibly (4 sixteenths cut FluidR3_GM's crash from about 4.3 s of ring
# to 2.6 s, and the bundled one's from 1.8 s to 1 s; see docs/soundfont.md).
CRASH_LEN16 = 16

# Chord symbol -> (bass root, mid voicing); voicings move by step between neighbours.
CHORDS = {
    "Am": (45, (57, 60, 64)),
    "F": (41, (57, 60, 65)),
    "C": (36, (55, 60, 64)),
    "G": (43, (55, 59, 62)),
    "E": (40, (56, 59, 64)),
}
PROGRESSION = (
    ["Am", "F", "C", "G"]  # intro
    + ["Am", "F", "C", "G"] * 2  # verse
    + ["F", "G", "Am", "C", "F", "G", "E", "Am"]  # chorus
    + ["Am", "F", "E", "Am"]
)  # outro

# Lead melody: bar -> [(position, length, pitch)] in sixteenths.
MELODY = {
    5: [(2, 2, 76), (4, 2, 76), (6, 2, 74), (8, 4, 72), (12, 2, 71), (14, 2, 72)],
    6: [(0, 6, 69), (6, 2, 72), (8, 2, 69), (10, 2, 67), (12, 4, 69)],
    7: [(2, 2, 79), (4, 2, 79), (6, 2, 81), (8, 4, 79), (12, 4, 76)],
    8: [(0, 8, 74), (10, 2, 71), (12, 2, 72), (14, 2, 74)],
    9: [(0, 2, 76), (2, 2, 76), (4, 2, 74), (6, 2, 72), (8, 4, 72), (12, 2, 74), (14, 2, 76)],
    10: [(0, 6, 77), (6, 2, 76), (8, 4, 74), (12, 4, 72)],
    11: [(0, 4, 76), (4, 4, 72), (8, 4, 79), (12, 4, 76)],
    12: [(0, 8, 74), (8, 4, 71)],
    13: [(0, 6, 81), (6, 2, 79), (8, 4, 77), (12, 4, 76)],
    14: [(0, 6, 79), (6, 2, 77), (8, 4, 76), (12, 4, 74)],
    15: [(0, 4, 76), (4, 4, 72), (8, 4, 76), (12, 2, 79), (14, 2, 81)],
    16: [(0, 12, 79), (12, 2, 76), (14, 2, 79)],
    17: [(0, 6, 81), (6, 2, 79), (8, 4, 77), (12, 4, 81)],
    18: [(0, 6, 83), (6, 2, 81), (8, 4, 79), (12, 4, 77)],
    19: [(0, 4, 76), (4, 4, 80), (8, 4, 83), (12, 4, 80)],
    20: [(0, 12, 81)],
    21: [(0, 4, 76), (4, 4, 72), (8, 8, 69)],
    22: [(0, 8, 72), (8, 8, 69)],
    23: [(0, 8, 71), (8, 8, 68)],
    24: [(0, 16, 69)],
}


def _at(bar: int, pos16: int) -> int:
    """Tick of a sixteenth position inside a bar (bars count from 1)."""
    return (bar - 1) * BAR + pos16 * SIXTEENTH


def _note(bar: int, pos16: int, len16: int, pitch: int, velocity: int) -> Note:
    return Note(_at(bar, pos16), len16 * SIXTEENTH, pitch, velocity)


def _in(section: tuple[int, int], bar: int) -> bool:
    return section[0] <= bar <= section[1]


def lead_notes() -> list[Note]:
    notes = []
    for bar, phrase in MELODY.items():
        loud = 100 if _in(CHORUS, bar) else 88 if _in(VERSE, bar) else 78
        for i, (pos, length, pitch) in enumerate(phrase):
            # Phrase openings and downbeats a little stronger, as a player would.
            accent = 8 if pos in (0, 8) else 0
            notes.append(_note(bar, pos, length, pitch, min(127, loud + accent - 4 * (i % 2))))
    return notes


def piano_notes() -> list[Note]:
    notes = []
    for bar, chord in enumerate(PROGRESSION, start=1):
        root, voicing = CHORDS[chord]
        if _in(INTRO, bar):
            # Broken chords in eighths, rising then falling.
            tones = (root,) + voicing + (voicing[0] + 12,)
            for step, idx in enumerate((0, 1, 2, 3, 4, 3, 2, 1)):
                notes.append(_note(bar, 2 * step, 2, tones[idx], 72 + (8 if step % 4 == 0 else 0)))
        elif _in(VERSE, bar):
            # Syncopated pop comping: 1, the "a" of 1, the "and" of 2, the "and" of 3, 4.
            for pos, length, vel in ((0, 3, 84), (3, 3, 70), (6, 2, 76), (10, 2, 72), (12, 4, 78)):
                notes += [_note(bar, pos, length, p, vel) for p in voicing]
        elif _in(CHORUS, bar):
            top = voicing[-1] + 12 if chord != "E" else 76
            for pos, length, vel in ((0, 8, 96), (8, 6, 86), (14, 2, 80)):
                notes += [_note(bar, pos, length, p, vel) for p in voicing + (top,)]
        else:
            last = bar == BARS
            for p in voicing:
                notes.append(_note(bar, 0, 16, p, 74 if not last else 66))
            if last:  # a final rolled chord up high
                for step, p in enumerate((69, 72, 76, 81)):
                    notes.append(_note(bar, 8 + step, 8 - step, p, 60))
    return notes


def pad_notes() -> list[Note]:
    notes = []
    for bar, chord in enumerate(PROGRESSION, start=1):
        _, voicing = CHORDS[chord]
        if _in(VERSE, bar) and bar < 9:
            continue  # the first verse breathes: the pad returns for the second half
        if _in(CHORUS, bar):
            vel = 84 if bar < CHORUS[0] + 4 else 92  # the second chorus lifts
        elif _in(OUTRO, bar):
            vel = 72 - 6 * (bar - OUTRO[0])  # and the ending fades
        else:
            vel = 62 if _in(VERSE, bar) else 70
        tones = voicing + (voicing[1] + 12,)
        notes += [_note(bar, 0, 16, p, vel) for p in tones]
    return notes


def bass_notes() -> list[Note]:
    notes = []
    for bar, chord in enumerate(PROGRESSION, start=1):
        root, _ = CHORDS[chord]
        next_root = CHORDS[PROGRESSION[bar]][0] if bar < BARS else root
        if _in(INTRO, bar):
            if bar >= 3:
                notes.append(_note(bar, 0, 14, root, 88))
        elif _in(VERSE, bar):
            for pos, length, step, vel in (
                (0, 3, 0, 104),
                (3, 3, 0, 82),
                (6, 2, 7, 90),
                (8, 3, 0, 100),
                (11, 3, 12, 80),
            ):
                notes.append(_note(bar, pos, length, root + step, vel))
            # Walk into the next chord from a semitone away.
            approach = next_root - 1 if next_root > root else next_root + 1
            notes.append(_note(bar, 14, 2, approach, 86))
        elif _in(CHORUS, bar):
            for step in range(8):
                octave = 12 if step in (3, 7) else 0
                notes.append(_note(bar, 2 * step, 2, root + octave, 108 if step % 2 == 0 else 88))
        else:
            notes.append(_note(bar, 0, 16 if bar < BARS else 12, root, 92))
    return notes


def drum_notes() -> list[Note]:
    notes = []

    def hit(bar, pos, key, vel, length=1):
        notes.append(_note(bar, pos, length, key, vel))

    for bar in range(1, BARS + 1):
        if _in(INTRO, bar):
            for pos in range(0, 16, 2):
                hit(bar, pos, HAT, 62 if pos % 4 == 0 else 44)
            if bar >= 3:
                hit(bar, 0, KICK, 96)
                hit(bar, 8, KICK, 84)
                hit(bar, 4, RIM, 70)
                hit(bar, 12, RIM, 74)
            if bar == INTRO[1]:  # build into the verse: snare sixteenths, crescendo
                for i, pos in enumerate(range(12, 16)):
                    hit(bar, pos, SNARE, 60 + 12 * i)
        elif _in(VERSE, bar):
            for pos in (0, 8, 10) + ((6,) if bar % 2 == 0 else ()):
                hit(bar, pos, KICK, 108 if pos in (0, 8) else 88)
            hit(bar, 4, SNARE, 104)
            if bar == VERSE[1]:  # tom fill over beats 3 and 4
                for i, key in enumerate(
                    (
                        HIGH_TOM,
                        HIGH_TOM,
                        HI_MID_TOM,
                        HI_MID_TOM,
                        LOW_MID_TOM,
                        LOW_MID_TOM,
                        LOW_TOM,
                        LOW_TOM,
                    )
                ):
                    hit(bar, 8 + i, key, 84 + 4 * i)
                continue
            hit(bar, 12, SNARE, 108)
            if bar % 2 == 1:
                hit(bar, 15, SNARE, 38)  # ghost note
            for pos in range(0, 16, 2):
                if pos == 14 and bar % 2 == 0:
                    hit(bar, pos, OPEN_HAT, 74, 2)
                else:
                    hit(bar, pos, HAT, 84 if pos % 4 == 0 else 60)
            if bar == VERSE[0]:
                hit(bar, 0, CRASH, 100, CRASH_LEN16)
        elif _in(CHORUS, bar):
            for pos in (0, 4, 8, 12):
                hit(bar, pos, KICK, 112)
            for pos in (4, 12):
                hit(bar, pos, SNARE, 110)
                hit(bar, pos, CLAP, 82)
            for pos in (2, 6, 10, 14):
                hit(bar, pos, OPEN_HAT, 78, 2)
            for pos in (0, 4, 8, 12):
                hit(bar, pos, HAT, 58)
            if bar in (CHORUS[0], CHORUS[0] + 4):
                hit(bar, 0, CRASH, 112, CRASH_LEN16)
            if bar == CHORUS[1]:  # snare roll into the outro
                for i, pos in enumerate(range(13, 16)):
                    hit(bar, pos, SNARE, 80 + 12 * i)
        else:
            if bar == OUTRO[0] or bar == BARS:
                hit(bar, 0, CRASH, 104 if bar == OUTRO[0] else 96, CRASH_LEN16)
            hit(bar, 0, KICK, 100)
            if bar < BARS:
                hit(bar, 8, SNARE, 88)
                hit(bar, 10, KICK, 80)
                for pos in range(0, 16, 2):
                    hit(bar, pos, RIDE, 72 if pos % 4 == 0 else 56)
    return notes


def build_demo_score() -> Score:
    """The whole demo as a Score (deterministic: same notes every time)."""
    tracks = (
        Track(
            name="Lead",
            channel=0,
            program=SQUARE_LEAD,
            volume=92,
            pan=64,
            notes=tuple(lead_notes()),
        ),
        Track(
            name="Piano", channel=1, program=PIANO, volume=96, pan=48, notes=tuple(piano_notes())
        ),
        Track(name="Pad", channel=2, program=WARM_PAD, volume=72, pan=80, notes=tuple(pad_notes())),
        Track(
            name="Bass",
            channel=3,
            program=FINGER_BASS,
            volume=108,
            pan=64,
            notes=tuple(bass_notes()),
        ),
        Track(
            name="Drums",
            channel=GM_DRUM_CHANNEL,
            bank=DRUM_BANK,
            program=0,
            is_drum=True,
            volume=110,
            pan=64,
            notes=tuple(drum_notes()),
        ),
    )
    chorus = LoopRegion(_at(CHORUS[0], 0), _at(CHORUS[1] + 1, 0))
    return Score(
        tracks=tracks,
        ppq=PPQ,
        tempo_map=TempoMap.constant(BPM),
        loop=chorus,
        loop_enabled=False,
        title=TITLE,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m engine.assetgen.demo_song", description="Write Pianola's demo song."
    )
    parser.add_argument("output", help="where to write it, e.g. assets/demo.pianola")
    args = parser.parse_args(argv)
    from engine.files.project_file import save_project

    score = build_demo_score()
    save_project(score, args.output)
    print(
        f"wrote {args.output}: {len(score.tracks)} tracks, {score.note_count} notes, "
        f"{BARS} bars at {BPM} BPM"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
