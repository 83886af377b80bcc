"""A SoundFont 2 writer: samples, instruments and presets to RIFF bytes (pure).

The layout follows the SoundFont 2.01 specification (compatible with 2.04 readers):

    RIFF 'sfbk'
      LIST 'INFO'  ifil isng INAM [ICRD IENG ICOP ICMT ISFT]
      LIST 'sdta'  smpl   (16-bit mono samples, each followed by 46 zero samples)
      LIST 'pdta'  phdr pbag pmod pgen inst ibag imod igen shdr

Every pdta sub-chunk ends with its terminal record (EOP / EOI / EOS and zeroed bag,
modulator and generator records) whose indexes point one past the last real entry, as
readers use record i+1 to find where record i's list ends.

Generators are written in the order the specification requires: keyRange first,
velRange second, then the rest, and instrument (in a preset zone) / sampleID (in an
instrument zone) last.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import numpy as np

# Generator numbers used by Pianola's font (SoundFont 2.01 section 8.1.2).
GEN = {
    "initialFilterFc": 8,
    "initialFilterQ": 9,
    "modEnvToFilterFc": 11,
    "chorusEffectsSend": 15,
    "reverbEffectsSend": 16,
    "pan": 17,
    "delayVibLFO": 23,
    "freqVibLFO": 24,
    "vibLfoToPitch": 6,
    "attackModEnv": 26,
    "holdModEnv": 27,
    "decayModEnv": 28,
    "sustainModEnv": 29,
    "releaseModEnv": 30,
    "attackVolEnv": 34,
    "holdVolEnv": 35,
    "decayVolEnv": 36,
    "sustainVolEnv": 37,
    "releaseVolEnv": 38,
    "keynumToVolEnvDecay": 40,
    "instrument": 41,
    "keyRange": 43,
    "velRange": 44,
    "initialAttenuation": 48,
    "coarseTune": 51,
    "fineTune": 52,
    "sampleID": 53,
    "sampleModes": 54,
    "scaleTuning": 56,
    "exclusiveClass": 57,
    "overridingRootKey": 58,
}
_KEY_RANGE, _VEL_RANGE = GEN["keyRange"], GEN["velRange"]
_INSTRUMENT, _SAMPLE_ID = GEN["instrument"], GEN["sampleID"]

SAMPLE_PAD_FRAMES = 46  # zero samples the specification requires after each sample
MIN_LOOP_MARGIN = 8  # valid data points required before loop start and after loop end
MONO_SAMPLE = 1  # sfSampleType
LOOP_CONTINUOUS = 1  # sampleModes: loop while the key is down and through release
NAME_BYTES = 20


@dataclass(frozen=True, slots=True, eq=False)
class Sample:
    """One mono 16-bit sample with its pitch and (optional) loop, in sample frames."""

    name: str
    pcm: np.ndarray  # int16
    sample_rate: int
    root_key: int
    pitch_correction_cents: int = 0
    loop_start: int | None = None  # loop is [loop_start, loop_end) of the sample
    loop_end: int | None = None

    def __post_init__(self):
        _check_name("sample name", self.name)
        if self.pcm.dtype != np.int16 or self.pcm.ndim != 1 or len(self.pcm) < 32:
            raise ValueError(f"sample {self.name!r} must be at least 32 int16 frames")
        if not 400 <= self.sample_rate <= 192000:
            raise ValueError(f"sample {self.name!r}: sample rate {self.sample_rate} is unusable")
        if not 0 <= self.root_key <= 127:
            raise ValueError(f"sample {self.name!r}: root key {self.root_key} is not 0..127")
        if not -99 <= self.pitch_correction_cents <= 99:
            raise ValueError(
                f"sample {self.name!r}: pitch correction "
                f"{self.pitch_correction_cents} is not -99..99 cents"
            )
        if (self.loop_start is None) != (self.loop_end is None):
            raise ValueError(f"sample {self.name!r}: give both loop points or neither")
        if self.loop_start is not None:
            if not (
                MIN_LOOP_MARGIN <= self.loop_start
                and self.loop_start + 32 <= self.loop_end
                and self.loop_end + MIN_LOOP_MARGIN <= len(self.pcm)
            ):
                raise ValueError(
                    f"sample {self.name!r}: loop {self.loop_start}..{self.loop_end} "
                    f"needs 8 frames either side and at least 32 frames inside"
                )

    @property
    def looped(self) -> bool:
        return self.loop_start is not None


# Modulator source: the note-on key number, linear, unipolar, increasing (spec 8.2).
SOURCE_KEY_NUMBER = 3


@dataclass(frozen=True, slots=True)
class Modulator:
    """A modulator: ``source`` (a spec 8.2 source enumerator) times ``amount`` -> generator.

    With ``SOURCE_KEY_NUMBER`` the source runs 0..127/128 over the keyboard, so an
    amount of 12800 cents moves a generator by 100 cents per key (full key tracking).
    """

    source: int
    destination: str
    amount: int
    amount_source: int = 0  # no second source
    transform: int = 0  # linear

    def __post_init__(self):
        if self.destination not in GEN:
            raise ValueError(f"modulator destination {self.destination!r} is unknown")
        if not -32768 <= self.amount <= 32767:
            raise ValueError(f"modulator amount {self.amount} does not fit 16 bits")

    def record(self) -> bytes:
        return struct.pack(
            "<HHhHH",
            self.source,
            GEN[self.destination],
            self.amount,
            self.amount_source,
            self.transform,
        )


@dataclass(frozen=True, slots=True)
class Zone:
    """A zone: generators (name -> amount; keyRange/velRange as (lo, hi)) and a target.

    ``target`` is a sample index in an instrument zone, an instrument index in a preset
    zone, or None for the global zone (which must come first).
    """

    generators: tuple[tuple[str, object], ...] = ()
    target: int | None = None
    modulators: tuple[Modulator, ...] = ()

    def __post_init__(self):
        for name, _ in self.generators:
            if name not in GEN or name in ("instrument", "sampleID"):
                raise ValueError(f"generator {name!r} is unknown or set through the zone target")


@dataclass(frozen=True, slots=True)
class Instrument:
    name: str
    zones: tuple[Zone, ...]

    def __post_init__(self):
        _check_name("instrument name", self.name)
        _check_zones(self.name, self.zones)


@dataclass(frozen=True, slots=True)
class Preset:
    name: str
    bank: int
    program: int
    zones: tuple[Zone, ...]

    def __post_init__(self):
        _check_name("preset name", self.name)
        if not (0 <= self.bank <= 128 and 0 <= self.program <= 127):
            raise ValueError(f"preset {self.name!r}: bank {self.bank} program {self.program}")
        _check_zones(self.name, self.zones)


@dataclass(frozen=True, slots=True)
class SoundFont:
    name: str
    samples: tuple[Sample, ...]
    instruments: tuple[Instrument, ...]
    presets: tuple[Preset, ...]
    info: tuple[tuple[str, str], ...] = field(default=())  # extra INFO (id, text), e.g. ICMT

    def __post_init__(self):
        for inst in self.instruments:
            for zone in inst.zones:
                if zone.target is not None and not 0 <= zone.target < len(self.samples):
                    raise ValueError(f"instrument {inst.name!r} names sample {zone.target}")
        for preset in self.presets:
            for zone in preset.zones:
                if zone.target is not None and not 0 <= zone.target < len(self.instruments):
                    raise ValueError(f"preset {preset.name!r} names instrument {zone.target}")


def _check_name(what: str, name: str) -> None:
    if not name or not name.isascii() or len(name) > NAME_BYTES - 1:
        raise ValueError(f"{what} {name!r} must be 1..19 ASCII characters")


def _check_zones(owner: str, zones: tuple[Zone, ...]) -> None:
    if not zones:
        raise ValueError(f"{owner!r} has no zones")
    for i, zone in enumerate(zones):
        if zone.target is None and i != 0:
            raise ValueError(f"{owner!r}: only the first zone may be a global zone")


# ---- serialization -------------------------------------------------------------------


def _chunk(ck_id: bytes, data: bytes) -> bytes:
    pad = b"\0" if len(data) % 2 else b""
    return ck_id + struct.pack("<I", len(data)) + data + pad


def _list(list_type: bytes, chunks: list[bytes]) -> bytes:
    return _chunk(b"LIST", list_type + b"".join(chunks))


def _zstr(text: str) -> bytes:
    """An INFO string: zero-terminated, padded to an even length (spec 5.x)."""
    data = text.encode("ascii") + b"\0"
    return data + b"\0" if len(data) % 2 else data


def _name(text: str) -> bytes:
    return text.encode("ascii").ljust(NAME_BYTES, b"\0")


def _gen_record(name: str, amount) -> bytes:
    oper = GEN[name]
    if oper in (_KEY_RANGE, _VEL_RANGE):
        lo, hi = amount
        return struct.pack("<HBB", oper, lo, hi)
    if not -32768 <= amount <= 65535:
        raise ValueError(f"generator {name} amount {amount} does not fit 16 bits")
    return struct.pack("<Hh" if amount < 0 else "<HH", oper, amount)


def _ordered(zone: Zone, target_gen: str) -> list[bytes]:
    gens = dict(zone.generators)
    # the ranges first, as the format asks; the rest by generator number
    order: list[str] = [k for k in ("keyRange", "velRange") if k in gens]
    order += sorted((k for k in gens if k not in ("keyRange", "velRange")), key=GEN.__getitem__)
    records = [_gen_record(k, gens[k]) for k in order]
    if zone.target is not None:
        records.append(_gen_record(target_gen, zone.target))
    return records


def _zones_to_records(owners, target_gen: str):
    """(bag, modulator and generator records, first bag index of each owner)."""
    bags: list[bytes] = []
    mods: list[bytes] = []
    gens: list[bytes] = []
    firsts: list[int] = []
    for owner in owners:
        firsts.append(len(bags))
        for zone in owner.zones:
            bags.append(struct.pack("<HH", len(gens), len(mods)))
            gens.extend(_ordered(zone, target_gen))
            mods.extend(m.record() for m in zone.modulators)
    bags.append(struct.pack("<HH", len(gens), len(mods)))  # terminal bag
    gens.append(bytes(4))  # terminal generator
    mods.append(bytes(10))  # terminal modulator
    return bags, mods, gens, firsts


def soundfont_bytes(font: SoundFont) -> bytes:
    """The whole file as bytes (deterministic: same font in, same bytes out)."""
    info = [
        _chunk(b"ifil", struct.pack("<HH", 2, 1)),
        _chunk(b"isng", _zstr("EMU8000")),
        _chunk(b"INAM", _zstr(font.name)),
    ]
    info += [_chunk(ck.encode("ascii"), _zstr(text)) for ck, text in font.info]

    pcm_parts, shdr = [], []
    pos = 0
    for sample in font.samples:
        n = len(sample.pcm)
        pcm_parts.append(sample.pcm.astype("<i2").tobytes())
        pcm_parts.append(b"\0\0" * SAMPLE_PAD_FRAMES)
        if sample.loop_start is not None and sample.loop_end is not None:
            loop_start, loop_end = pos + sample.loop_start, pos + sample.loop_end
        else:
            loop_start, loop_end = pos, pos + n - 1
        shdr.append(
            _name(sample.name)
            + struct.pack(
                "<IIIIIBbHH",
                pos,
                pos + n,
                loop_start,
                loop_end,
                sample.sample_rate,
                sample.root_key,
                sample.pitch_correction_cents,
                0,
                MONO_SAMPLE,
            )
        )
        pos += n + SAMPLE_PAD_FRAMES
    shdr.append(_name("EOS") + bytes(46 - NAME_BYTES))

    ibag, imod, igen, inst_firsts = _zones_to_records(font.instruments, "sampleID")
    inst = [
        _name(i.name) + struct.pack("<H", first) for i, first in zip(font.instruments, inst_firsts)
    ]
    inst.append(_name("EOI") + struct.pack("<H", len(ibag) - 1))

    # Readers look presets up by (bank, program); keep the file sorted that way.
    presets = sorted(font.presets, key=lambda p: (p.bank, p.program))
    pbag, pmod, pgen, preset_firsts = _zones_to_records(presets, "instrument")
    phdr = [
        _name(p.name) + struct.pack("<HHHIII", p.program, p.bank, first, 0, 0, 0)
        for p, first in zip(presets, preset_firsts)
    ]
    phdr.append(_name("EOP") + struct.pack("<HHHIII", 0, 0, len(pbag) - 1, 0, 0, 0))

    pdta = [
        _chunk(b"phdr", b"".join(phdr)),
        _chunk(b"pbag", b"".join(pbag)),
        _chunk(b"pmod", b"".join(pmod)),
        _chunk(b"pgen", b"".join(pgen)),
        _chunk(b"inst", b"".join(inst)),
        _chunk(b"ibag", b"".join(ibag)),
        _chunk(b"imod", b"".join(imod)),
        _chunk(b"igen", b"".join(igen)),
        _chunk(b"shdr", b"".join(shdr)),
    ]
    body = (
        b"sfbk"
        + _list(b"INFO", info)
        + _list(b"sdta", [_chunk(b"smpl", b"".join(pcm_parts))])
        + _list(b"pdta", pdta)
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body
