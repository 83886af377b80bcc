"""The generated SoundFont's file structure, parsed back from the committed bytes."""

from __future__ import annotations

import io
import struct

import numpy as np
import pytest

from engine.assetgen.sf2 import build_soundfont_bytes, write_soundfont
from engine.assetgen.sf2.bank import DRUM_BANK, drum_keys, melodic_programs
from engine.assetgen.sf2.writer import (
    GEN,
    SAMPLE_PAD_FRAMES,
    Instrument,
    Preset,
    Sample,
    SoundFont,
    Zone,
    soundfont_bytes,
)
from engine.files.sf2_reader import PDTA_ORDER, decode_name, read_layout, read_records
from engine.files.soundfonts import BUNDLED_SOUNDFONT, preset_names

EXPECTED_PRESETS = {
    (0, 0): "Pianola Piano",
    (0, 1): "Bright Piano",
    (0, 2): "Electric Grand",
    (0, 4): "Electric Piano",
    (0, 5): "Electric Piano 2",
    (0, 16): "Drawbar Organ",
    (0, 17): "Percussive Organ",
    (0, 18): "Rock Organ",
    (0, 19): "Church Organ",
    (0, 20): "Reed Organ",
    (0, 24): "Nylon Pluck",
    (0, 25): "Steel Pluck",
    (0, 26): "Jazz Guitar",
    (0, 27): "Clean Guitar",
    (0, 28): "Muted Guitar",
    (0, 32): "Acoustic Bass",
    (0, 33): "Finger Bass",
    (0, 34): "Pick Bass",
    (0, 35): "Fretless Bass",
    (0, 38): "Synth Bass",
    (0, 39): "Synth Bass 2",
    (0, 45): "Pizzicato",
    (0, 46): "Harp",
    (0, 48): "Pad Strings",
    (0, 49): "Slow Pad Strings",
    (0, 50): "Synth Strings",
    (0, 80): "Square Lead",
    (0, 81): "Saw Lead",
    (0, 88): "New Age Pad",
    (0, 89): "Warm Pad",
    (0, 90): "Polysynth Pad",
    (0, 91): "Choir Pad",
    (0, 95): "Sweep Pad",
    (128, 0): "Pianola Kit",
}


@pytest.fixture(scope="module")
def data() -> bytes:
    return BUNDLED_SOUNDFONT.read_bytes()


@pytest.fixture(scope="module")
def parsed(data):
    f = io.BytesIO(data)
    layout = read_layout(f)
    records = {ck: read_records(f, layout, ck) for ck in PDTA_ORDER}
    smpl = layout["sdta"]["smpl"]
    pcm = np.frombuffer(data[smpl.offset : smpl.offset + smpl.size], dtype="<i2")
    return layout, records, pcm


def test_regenerating_gives_the_committed_file_byte_for_byte(tmp_path, data):
    out = tmp_path / "pianola.sf2"
    size = write_soundfont(out)
    assert size == len(data)
    assert out.read_bytes() == data, (
        "assets/pianola.sf2 is stale: run python -m engine.assetgen.sf2"
    )


def test_font_is_small(data):
    assert len(data) < 2_000_000


def test_riff_header_and_lists(data, parsed):
    layout, _, _ = parsed
    assert data[:4] == b"RIFF" and data[8:12] == b"sfbk"
    assert struct.unpack_from("<I", data, 4)[0] == len(data) - 8
    assert set(layout) == {"INFO", "sdta", "pdta"}
    assert list(layout["pdta"]) == list(PDTA_ORDER), "pdta sub-chunks out of order"
    info = layout["INFO"]
    assert list(info)[:3] == ["ifil", "isng", "INAM"]
    ifil = data[info["ifil"].offset : info["ifil"].offset + 4]
    assert struct.unpack("<HH", ifil) == (2, 1)
    for chunk in info.values():
        if chunk.ck_id != "ifil":
            text = data[chunk.offset : chunk.offset + chunk.size]
            assert chunk.size % 2 == 0 and text.endswith(b"\0") and chunk.size <= 256


def test_terminal_records_close_every_list(parsed):
    _, rec, _ = parsed
    assert decode_name(rec["phdr"][-1][:20]) == "EOP"
    assert struct.unpack_from("<H", rec["phdr"][-1], 24)[0] == len(rec["pbag"]) - 1
    assert decode_name(rec["inst"][-1][:20]) == "EOI"
    assert struct.unpack_from("<H", rec["inst"][-1], 20)[0] == len(rec["ibag"]) - 1
    assert decode_name(rec["shdr"][-1][:20]) == "EOS"
    assert rec["shdr"][-1][20:] == bytes(26)
    assert struct.unpack("<HH", rec["pbag"][-1])[0] == len(rec["pgen"]) - 1
    assert struct.unpack("<HH", rec["ibag"][-1])[0] == len(rec["igen"]) - 1
    assert struct.unpack("<HH", rec["pbag"][-1])[1] == len(rec["pmod"]) - 1
    assert struct.unpack("<HH", rec["ibag"][-1])[1] == len(rec["imod"]) - 1
    assert rec["pmod"] == [bytes(10)] and rec["imod"][-1] == bytes(10)
    for bags in (rec["pbag"], rec["ibag"]):
        gen_idx = [struct.unpack("<HH", b)[0] for b in bags]
        mod_idx = [struct.unpack("<HH", b)[1] for b in bags]
        assert gen_idx == sorted(gen_idx) and mod_idx == sorted(mod_idx)
    assert rec["pgen"][-1] == bytes(4) and rec["igen"][-1] == bytes(4)
    # Bag and generator indexes never go backwards (a reader slices [i, i+1)).
    for headers, offset in ((rec["phdr"], 24), (rec["inst"], 20)):
        bags = [struct.unpack_from("<H", r, offset)[0] for r in headers]
        assert bags == sorted(bags) and len(set(bags)) == len(bags)


def _zones(headers, bag_offset, bags, gens):
    """[[(oper, amount bytes), ...] per zone] per header, from the raw records."""
    starts = [struct.unpack_from("<H", r, bag_offset)[0] for r in headers]
    gen_starts = [struct.unpack("<HH", b)[0] for b in bags]
    out = []
    for h in range(len(headers) - 1):
        zones = []
        for z in range(starts[h], starts[h + 1]):
            zones.append(
                [
                    (struct.unpack_from("<H", g)[0], g[2:])
                    for g in gens[gen_starts[z] : gen_starts[z + 1]]
                ]
            )
        out.append(zones)
    return out


def test_generators_follow_the_ordering_rules(parsed):
    _, rec, _ = parsed
    for owner_zones, target in (
        (_zones(rec["inst"], 20, rec["ibag"], rec["igen"]), GEN["sampleID"]),
        (_zones(rec["phdr"], 24, rec["pbag"], rec["pgen"]), GEN["instrument"]),
    ):
        for zones in owner_zones:
            assert zones
            for i, zone in enumerate(zones):
                opers = [op for op, _ in zone]
                if GEN["keyRange"] in opers:
                    assert opers[0] == GEN["keyRange"]
                if GEN["velRange"] in opers:
                    assert opers.index(GEN["velRange"]) <= 1
                if opers and opers[-1] == target:
                    assert opers.count(target) == 1
                else:  # a zone without a target is only allowed first (global zone)
                    assert i == 0 and target not in opers


def test_samples_are_padded_and_loops_are_seamless(parsed):
    _, rec, pcm = parsed
    previous_end = 0
    for r in rec["shdr"][:-1]:
        start, end, loop_start, loop_end, rate = struct.unpack_from("<IIIII", r, 20)
        root, correction, _link, kind = struct.unpack_from("<BbHH", r, 40)
        assert kind == 1 and 0 <= root <= 127 and -50 <= correction <= 50
        assert rate in (22050, 32000, 44100, 48000)
        assert start >= previous_end and end - start >= 32
        assert not pcm[end : end + SAMPLE_PAD_FRAMES].any(), "46 zero frames must follow"
        previous_end = end + SAMPLE_PAD_FRAMES
        if loop_end - loop_start < end - start - 1:  # a looped sample
            assert start + 8 <= loop_start and loop_start + 32 <= loop_end <= end - 8
            assert np.array_equal(
                pcm[loop_start - 8 : loop_start + 8], pcm[loop_end - 8 : loop_end + 8]
            ), decode_name(r[:20])
    assert len(pcm) == previous_end


def test_melodic_filters_follow_the_keyboard(parsed):
    """Every key-tracking modulator: key number -> initialFilterFc, 100 cents per key."""
    _, rec, _ = parsed
    mods = [struct.unpack("<HHhHH", m) for m in rec["imod"][:-1]]
    assert mods, "the melodic zones carry their filter key-tracking modulators"
    assert set(mods) == {(3, GEN["initialFilterFc"], 12800, 0, 0)}


def test_drum_samples_start_at_full_level():
    from engine.assetgen.sf2 import voices

    for make in (
        voices.kick,
        voices.snare,
        voices.rim,
        voices.clap,
        voices.closed_hat,
        voices.open_hat,
        voices.tom,
        voices.crash,
        voices.ride,
    ):
        pcm = make().pcm.astype(np.int32)
        assert abs(pcm[0]) >= 0.5 * np.abs(pcm).max(), make.__name__


def test_preset_names_lists_the_melodic_set_and_the_kit():
    names = preset_names(BUNDLED_SOUNDFONT)
    assert names == EXPECTED_PRESETS
    assert {p for b, p in names if b == 0} == set(melodic_programs())
    assert (DRUM_BANK, 0) in names and len(drum_keys()) >= 19


def test_building_twice_gives_the_same_bytes():
    assert build_soundfont_bytes() == build_soundfont_bytes()


def _tiny_font(**sample_changes) -> SoundFont:
    fields = dict(name="Tone", pcm=np.zeros(100, np.int16), sample_rate=32000, root_key=60)
    fields.update(sample_changes)
    sample = Sample(**fields)
    inst = Instrument("Inst", (Zone((("keyRange", (0, 127)),), 0),))
    return SoundFont("T", (sample,), (inst,), (Preset("P", 0, 0, (Zone((), 0),)),))


def test_writer_round_trip_of_a_tiny_font():
    data = soundfont_bytes(_tiny_font())
    f = io.BytesIO(data)
    layout = read_layout(f)
    assert layout["sdta"]["smpl"].size == 2 * (100 + SAMPLE_PAD_FRAMES)
    assert len(read_records(f, layout, "phdr")) == 2
    assert len(read_records(f, layout, "igen")) == 3  # keyRange, sampleID, terminal


@pytest.mark.parametrize(
    "changes,message",
    [
        (dict(name="A name far too long to fit"), "1..19 ASCII"),
        (dict(loop_start=2, loop_end=60), "8 frames"),
        (dict(loop_start=20, loop_end=30), "at least 32"),
        (dict(loop_start=20), "both loop points"),
        (dict(root_key=130), "root key"),
        (dict(pcm=np.zeros(10, np.int16)), "at least 32"),
    ],
)
def test_writer_rejects_malformed_samples(changes, message):
    with pytest.raises(ValueError, match=message):
        _tiny_font(**changes)


def test_writer_rejects_zones_pointing_nowhere():
    sample = Sample("S", np.zeros(64, np.int16), 32000, 60)
    with pytest.raises(ValueError, match="names sample 3"):
        SoundFont("T", (sample,), (Instrument("I", (Zone((), 3),)),), ())
    with pytest.raises(ValueError, match="only the first zone"):
        Instrument("I", (Zone((), 0), Zone((), None)))


def test_the_regenerate_command_writes_the_committed_font(tmp_path, data):
    import subprocess
    import sys

    out = tmp_path / "again.sf2"
    done = subprocess.run(
        [sys.executable, "-m", "engine.assetgen.sf2", str(out)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out.read_bytes() == data
