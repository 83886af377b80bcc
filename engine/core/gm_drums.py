"""The General MIDI percussion key map and key names for the roll's keyboard (pure).

On a drum track (MIDI channel 10) each key is an instrument, not a pitch; the keyboard
shows these names instead of C4, D#4...  Keys 35-81 are General MIDI Level 1.
"""

from __future__ import annotations

GM_DRUM_NAMES: dict[int, str] = {
    35: "Acoustic Bass Drum",
    36: "Bass Drum 1",
    37: "Side Stick",
    38: "Acoustic Snare",
    39: "Hand Clap",
    40: "Electric Snare",
    41: "Low Floor Tom",
    42: "Closed Hi-Hat",
    43: "High Floor Tom",
    44: "Pedal Hi-Hat",
    45: "Low Tom",
    46: "Open Hi-Hat",
    47: "Low-Mid Tom",
    48: "Hi-Mid Tom",
    49: "Crash Cymbal 1",
    50: "High Tom",
    51: "Ride Cymbal 1",
    52: "Chinese Cymbal",
    53: "Ride Bell",
    54: "Tambourine",
    55: "Splash Cymbal",
    56: "Cowbell",
    57: "Crash Cymbal 2",
    58: "Vibraslap",
    59: "Ride Cymbal 2",
    60: "Hi Bongo",
    61: "Low Bongo",
    62: "Mute Hi Conga",
    63: "Open Hi Conga",
    64: "Low Conga",
    65: "High Timbale",
    66: "Low Timbale",
    67: "High Agogo",
    68: "Low Agogo",
    69: "Cabasa",
    70: "Maracas",
    71: "Short Whistle",
    72: "Long Whistle",
    73: "Short Guiro",
    74: "Long Guiro",
    75: "Claves",
    76: "Hi Wood Block",
    77: "Low Wood Block",
    78: "Mute Cuica",
    79: "Open Cuica",
    80: "Mute Triangle",
    81: "Open Triangle",
}

# Short names for typing a drum sound (the command line's --steps kick=x...), by key.
DRUM_SHORT_NAMES: dict[str, int] = {
    "acoustic-kick": 35,
    "kick": 36,
    "rim": 37,
    "snare": 38,
    "clap": 39,
    "electric-snare": 40,
    "low-floor-tom": 41,
    "closed-hat": 42,
    "high-floor-tom": 43,
    "pedal-hat": 44,
    "low-tom": 45,
    "open-hat": 46,
    "low-mid-tom": 47,
    "high-mid-tom": 48,
    "crash": 49,
    "high-tom": 50,
    "ride": 51,
    "china": 52,
    "ride-bell": 53,
    "tambourine": 54,
    "splash": 55,
    "cowbell": 56,
    "crash-2": 57,
    "vibraslap": 58,
    "ride-2": 59,
    "high-bongo": 60,
    "low-bongo": 61,
    "mute-high-conga": 62,
    "open-high-conga": 63,
    "low-conga": 64,
    "high-timbale": 65,
    "low-timbale": 66,
    "high-agogo": 67,
    "low-agogo": 68,
    "cabasa": 69,
    "maracas": 70,
    "short-whistle": 71,
    "long-whistle": 72,
    "short-guiro": 73,
    "long-guiro": 74,
    "claves": 75,
    "high-wood-block": 76,
    "low-wood-block": 77,
    "mute-cuica": 78,
    "open-cuica": 79,
    "mute-triangle": 80,
    "open-triangle": 81,
}


def drum_key(name: str) -> int:
    """The key of a drum sound named by its short name ("closed-hat"), its General MIDI
    name ("Closed Hi-Hat", any case) or its MIDI key number ("42"); ValueError otherwise."""
    text = name.strip().lower()
    if text.isdigit():
        key = int(text)
        if key > 127:
            raise ValueError(f"a MIDI key number is from 0 to 127, not {key}")
        return key
    if text in DRUM_SHORT_NAMES:
        return DRUM_SHORT_NAMES[text]
    for key, gm_name in GM_DRUM_NAMES.items():
        if gm_name.lower() == text or gm_name.lower().replace(" ", "-") == text:
            return key
    raise ValueError(
        f"{name!r} is not a drum sound: use a name such as kick, snare, closed-hat "
        "(see --help) or a MIDI key number"
    )


_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
BLACK_KEYS = frozenset((1, 3, 6, 8, 10))


def note_name(pitch: int) -> str:
    """Scientific pitch name with middle C (MIDI 60) as C4."""
    return f"{_NAMES[pitch % 12]}{pitch // 12 - 1}"


def is_black_key(pitch: int) -> bool:
    return pitch % 12 in BLACK_KEYS


def key_label(pitch: int, is_drum: bool) -> str:
    """What the keyboard shows for ``pitch``: a drum name on drum tracks, else a note name."""
    if is_drum:
        return GM_DRUM_NAMES.get(pitch, note_name(pitch))
    return note_name(pitch)
