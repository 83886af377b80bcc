"""The layout of Pianola's own SoundFont: which voice plays which GM program (pure).

Melodic instruments split the keyboard into four zones, each with a sample rooted in
its range (so no note is transposed far from its recording).  Drums are one instrument
with one zone per General MIDI drum key; the toms share one sample tuned per key.
Presets may add generators to their instrument (the SoundFont rule: preset values are
offsets), which lets one voice serve two or three related programs.
"""

from __future__ import annotations

import math

from engine.assetgen.sf2 import voices
from engine.assetgen.sf2.writer import (
    LOOP_CONTINUOUS,
    SOURCE_KEY_NUMBER,
    Instrument,
    Modulator,
    Preset,
    Sample,
    SoundFont,
    Zone,
)

FONT_NAME = "Pianola GM Lite"
DRUM_BANK = 128

# (lowest key, highest key, root key) of the melodic zones.
KEY_ZONES = ((0, 47, 36), (48, 65, 57), (66, 83, 74), (84, 99, 91), (100, 127, 108))
# The filter follows the keyboard (100 cents per key), so a voice keeps the same
# brightness relative to its pitch everywhere, with no jump where zones meet.
KEY_TRACKED_FILTER = Modulator(SOURCE_KEY_NUMBER, "initialFilterFc", 12800)


def timecents(seconds: float) -> int:
    """Envelope time in the SoundFont's unit (1200 * log2 of seconds)."""
    return round(1200.0 * math.log2(seconds))


def cutoff_multiple_cents(multiple: float) -> int:
    """initialFilterFc putting the cutoff at ``multiple`` x the note's frequency.

    Key 0 sounds at 8.176 Hz, the 0-cent point of the filter scale, and the key-tracking
    modulator adds 100 cents per key, so the base value is just the multiple in cents.
    """
    return round(1200.0 * math.log2(multiple))


def lfo_cents(hz: float) -> int:
    return round(1200.0 * math.log2(hz / 8.176))


MIN_ATTACK = -12000  # the smallest attack the SoundFont allows: no audible fade-in
# initialAttenuation is in centibels, but FluidSynth (like the EMU8000) applies only 0.4
# of it: 130 here is about 5 dB.  The values balance the voices against each other and
# leave a mix of all of them headroom at FluidSynth's default gain.

# name, partials, attack transient, sub-octave?, generators for the whole instrument,
# filter cutoff as a multiple of the note's frequency (None: filter left open).
_MELODIC = {
    "Piano": (
        voices.piano_partials(),
        voices.hammer_thump(11),
        False,
        (
            ("attackVolEnv", MIN_ATTACK),
            ("decayVolEnv", timecents(9.0)),
            ("sustainVolEnv", 1000),
            ("releaseVolEnv", timecents(0.35)),
            ("keynumToVolEnvDecay", 45),
            ("attackModEnv", MIN_ATTACK),
            ("decayModEnv", timecents(1.6)),
            ("sustainModEnv", 1000),
            ("modEnvToFilterFc", 3000),
            ("reverbEffectsSend", 150),
            ("initialAttenuation", 130),
        ),
        5.0,
    ),
    "Organ": (
        voices.organ_partials(),
        None,
        True,
        (
            ("attackVolEnv", timecents(0.006)),
            ("releaseVolEnv", timecents(0.06)),
            ("reverbEffectsSend", 200),
            ("initialAttenuation", 110),
        ),
        None,
    ),
    "Square": (
        voices.square_partials(),
        None,
        False,
        (
            ("attackVolEnv", timecents(0.004)),
            ("releaseVolEnv", timecents(0.09)),
            ("delayVibLFO", timecents(0.35)),
            ("freqVibLFO", lfo_cents(5.5)),
            ("vibLfoToPitch", 12),
            ("reverbEffectsSend", 150),
            ("initialAttenuation", 140),
        ),
        12.0,
    ),  # a square is dense: sits lower
    "Bass": (
        voices.bass_partials(),
        None,
        False,
        (
            ("attackVolEnv", MIN_ATTACK),
            ("decayVolEnv", timecents(2.5)),
            ("sustainVolEnv", 250),
            ("releaseVolEnv", timecents(0.07)),
            ("attackModEnv", MIN_ATTACK),
            ("decayModEnv", timecents(0.4)),
            ("sustainModEnv", 1000),
            ("modEnvToFilterFc", 2400),
        ),
        3.0,
    ),
    "Saw Bass": (
        voices.saw_partials(),
        None,
        False,
        (
            ("attackVolEnv", MIN_ATTACK),
            ("decayVolEnv", timecents(1.5)),
            ("sustainVolEnv", 100),
            ("releaseVolEnv", timecents(0.05)),
            ("attackModEnv", MIN_ATTACK),
            ("decayModEnv", timecents(0.25)),
            ("sustainModEnv", 1000),
            ("modEnvToFilterFc", 4200),
            ("initialFilterQ", 60),
        ),
        2.0,
    ),
    "Pluck": (
        voices.pluck_partials(),
        None,
        False,
        (
            ("attackVolEnv", MIN_ATTACK),
            ("decayVolEnv", timecents(3.5)),
            ("sustainVolEnv", 1000),
            ("releaseVolEnv", timecents(0.25)),
            ("keynumToVolEnvDecay", 60),
            ("attackModEnv", MIN_ATTACK),
            ("decayModEnv", timecents(0.6)),
            ("sustainModEnv", 1000),
            ("modEnvToFilterFc", 3600),
            ("reverbEffectsSend", 200),
            ("initialAttenuation", 90),
        ),
        4.0,
    ),
    "Pad": (
        voices.saw_partials(1.3),
        None,
        False,
        (
            ("attackVolEnv", timecents(0.45)),
            ("releaseVolEnv", timecents(1.0)),
            ("chorusEffectsSend", 250),
            ("reverbEffectsSend", 500),
            ("initialAttenuation", 220),
        ),
        4.0,
    ),  # two layers per note, and a pad sits back
}
# Looped sounds loop; the decaying ones loop too (the envelope fades them), so every
# melodic zone uses continuous looping.
_PAD_DETUNE_CENTS = 7  # two layers, one sharp and one flat: slow chorus-like beating

# (program, name, instrument, extra preset generators).  Preset generators are offsets
# added to the instrument's, so one voice serves a family of GM programs: a MIDI file
# using them plays sensible sounds instead of FluidSynth's piano substitute.
_PROGRAMS = (
    (0, "Pianola Piano", "Piano", ()),
    (1, "Bright Piano", "Piano", (("initialFilterFc", 900),)),
    (2, "Electric Grand", "Piano", (("initialFilterFc", 500),)),
    (4, "Electric Piano", "Piano", (("initialFilterFc", -900), ("decayVolEnv", -600))),
    (5, "Electric Piano 2", "Piano", (("initialFilterFc", -300), ("decayVolEnv", -600))),
    (16, "Drawbar Organ", "Organ", ()),
    (17, "Percussive Organ", "Organ", (("initialFilterFc", -1200),)),
    (18, "Rock Organ", "Organ", (("chorusEffectsSend", 300),)),
    (
        19,
        "Church Organ",
        "Organ",
        (("attackVolEnv", 2400), ("releaseVolEnv", 2400), ("reverbEffectsSend", 400)),
    ),
    (20, "Reed Organ", "Organ", (("initialFilterFc", -4800),)),
    (24, "Nylon Pluck", "Pluck", ()),
    (25, "Steel Pluck", "Pluck", (("initialFilterFc", 900),)),
    (26, "Jazz Guitar", "Pluck", (("initialFilterFc", -600),)),
    (27, "Clean Guitar", "Pluck", (("initialFilterFc", 300),)),
    (28, "Muted Guitar", "Pluck", (("decayVolEnv", -3600), ("initialFilterFc", -600))),
    (32, "Acoustic Bass", "Bass", (("initialFilterFc", -300),)),
    (33, "Finger Bass", "Bass", ()),
    (34, "Pick Bass", "Bass", (("initialFilterFc", 700),)),
    (35, "Fretless Bass", "Bass", (("initialFilterFc", -500), ("decayVolEnv", 1200))),
    (38, "Synth Bass", "Saw Bass", ()),
    (39, "Synth Bass 2", "Saw Bass", (("initialFilterFc", 600),)),
    (45, "Pizzicato", "Pluck", (("decayVolEnv", -2400),)),
    (46, "Harp", "Pluck", (("decayVolEnv", 600), ("reverbEffectsSend", 200))),
    (48, "Pad Strings", "Pad", (("attackVolEnv", -1800),)),
    (49, "Slow Pad Strings", "Pad", ()),
    (50, "Synth Strings", "Pad", (("attackVolEnv", -2400), ("initialFilterFc", 600))),
    (80, "Square Lead", "Square", ()),
    (81, "Saw Lead", "Saw Bass", (("initialFilterFc", 1800), ("sustainVolEnv", -100))),
    (88, "New Age Pad", "Pad", (("initialFilterFc", 1200), ("attackVolEnv", -1200))),
    (89, "Warm Pad", "Pad", ()),
    (90, "Polysynth Pad", "Pad", (("attackVolEnv", -2400), ("initialFilterFc", 900))),
    (91, "Choir Pad", "Pad", (("initialFilterFc", -600),)),
    (95, "Sweep Pad", "Pad", (("attackVolEnv", 1200),)),
)

# GM drum key -> (sample, coarse tune in semitones, extra generators)
_DRUM_KEYS = {
    35: ("Kick", -2, ()),
    36: ("Kick", 0, ()),
    37: ("Rim", 0, ()),
    38: ("Snare", 0, ()),
    39: ("Clap", 0, ()),
    40: ("Snare", 2, ()),
    41: ("Tom", -7, (("pan", -250),)),
    43: ("Tom", -5, (("pan", -150),)),
    45: ("Tom", -2, (("pan", -50),)),
    47: ("Tom", 0, (("pan", 50),)),
    48: ("Tom", 3, (("pan", 150),)),
    50: ("Tom", 5, (("pan", 250),)),
    42: ("Closed Hat", 0, (("exclusiveClass", 1), ("pan", 150))),
    44: ("Closed Hat", -2, (("exclusiveClass", 1), ("pan", 150), ("initialAttenuation", 40))),
    46: ("Open Hat", 0, (("exclusiveClass", 1), ("pan", 150))),
    49: ("Crash", 0, (("pan", -200),)),
    57: ("Crash", 1, (("pan", 200),)),
    51: ("Ride", 0, (("pan", 200),)),
    59: ("Ride", -1, (("pan", 200),)),
}
_DRUM_VOICES = {
    "Kick": voices.kick,
    "Snare": voices.snare,
    "Rim": voices.rim,
    "Clap": voices.clap,
    "Closed Hat": voices.closed_hat,
    "Open Hat": voices.open_hat,
    "Tom": voices.tom,
    "Crash": voices.crash,
    "Ride": voices.ride,
}


def build_font() -> SoundFont:
    """Synthesize every sample and lay out the instruments and presets."""
    samples: list[Sample] = []
    instruments: list[Instrument] = []
    inst_index: dict[str, int] = {}

    for name, (partials, attack, sub, generators, cutoff) in _MELODIC.items():
        common = generators + (("sampleModes", LOOP_CONTINUOUS),)
        mods: tuple[Modulator, ...] = ()
        if cutoff is not None:
            common += (("initialFilterFc", cutoff_multiple_cents(cutoff)),)
            mods = (KEY_TRACKED_FILTER,)
        zones = [Zone(common)]
        for lo, hi, root in KEY_ZONES:
            sample = voices.harmonic_loop(
                f"{name} {root}", root, partials, hi, attack=attack, sub_octave=sub
            )
            samples.append(sample)
            zone_gens = (("keyRange", (lo, hi)),)
            # Modulators sit in each zone: a local zone's list is what every reader honours.
            if name == "Pad":
                for detune, pan in ((_PAD_DETUNE_CENTS, -300), (-_PAD_DETUNE_CENTS, 300)):
                    zones.append(
                        Zone(
                            zone_gens + (("fineTune", detune), ("pan", pan)), len(samples) - 1, mods
                        )
                    )
            else:
                zones.append(Zone(zone_gens, len(samples) - 1, mods))
        inst_index[name] = len(instruments)
        instruments.append(Instrument(name, tuple(zones)))

    drum_samples: dict[str, int] = {}
    for name, make in _DRUM_VOICES.items():
        drum_samples[name] = len(samples)
        samples.append(make())
    # Drums ignore the key for pitch (scale tuning 0) and ring on after a short note-off.
    drum_zones = [
        Zone(
            (
                ("attackVolEnv", MIN_ATTACK),
                ("releaseVolEnv", timecents(1.5)),
                ("scaleTuning", 0),
                ("reverbEffectsSend", 80),
                ("initialAttenuation", 90),
            )
        )
    ]
    for key, (sample_name, coarse, extra) in sorted(_DRUM_KEYS.items()):
        gens = (("keyRange", (key, key)),) + ((("coarseTune", coarse),) if coarse else ())
        drum_zones.append(Zone(gens + extra, drum_samples[sample_name]))
    inst_index["Drums"] = len(instruments)
    instruments.append(Instrument("Pianola Drums", tuple(drum_zones)))

    presets = [
        Preset(name, 0, program, (Zone(extra, inst_index[inst]),))
        for program, name, inst, extra in _PROGRAMS
    ]
    presets.append(Preset("Pianola Kit", DRUM_BANK, 0, (Zone((), inst_index["Drums"]),)))
    return SoundFont(
        name=FONT_NAME,
        samples=tuple(samples),
        instruments=tuple(instruments),
        presets=tuple(presets),
        info=(
            ("IENG", "Pianola"),
            ("ICOP", "Public domain (generated by Pianola)"),
            (
                "ICMT",
                "Synthesized by engine.assetgen.sf2; regenerate with "
                "python -m engine.assetgen.sf2 assets/pianola.sf2",
            ),
            ("ISFT", "Pianola engine.assetgen.sf2"),
        ),
    )


def drum_keys() -> tuple[int, ...]:
    """The General MIDI drum keys the kit plays."""
    return tuple(sorted(_DRUM_KEYS))


def melodic_programs() -> tuple[int, ...]:
    return tuple(p for p, *_ in _PROGRAMS)
