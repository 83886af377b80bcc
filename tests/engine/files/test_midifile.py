"""Standard MIDI files: round trips, the pairing rules, PPQ rounding, and damaged files."""

import random

import mido
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from engine.commands.cli import main
from engine.core.errors import FileFormatError, FileWriteError
from engine.core.history import History
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, TimeSignature, TimeSignatureMap
from engine.files.midifile import import_midi, rescale_tick
from engine.files.midifile_export import export_midi
from tests.engine import strategies
from tests.engine.file_fixtures import lock_folder  # noqa: F401 (a fixture)
from tests.hypothesis_profiles import examples

FILE_SETTINGS = settings(
    max_examples=examples(40),
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def fifo_safe(notes):
    """Drop notes nested inside a same-pitch note: MIDI cannot tell those pairings apart."""
    last_end = {}
    kept = []
    for n in sorted(notes):
        if n.end_tick >= last_end.get(n.pitch, 0):
            kept.append(n)
            last_end[n.pitch] = n.end_tick
    return tuple(kept)


midi_tracks = strategies.tracks().map(
    lambda t: Track(
        name=t.name,
        channel=t.channel,
        bank=t.bank,
        program=t.program,
        is_drum=t.is_drum,
        volume=t.volume,
        pan=t.pan,
        notes=fifo_safe(t.notes),
        controllers=t.controllers,
    )
)
midi_scores = strategies.scores(track_strategy=midi_tracks).map(
    lambda s: Score(
        tracks=s.tracks,
        ppq=s.ppq,
        tempo_map=s.tempo_map,
        time_signatures=s.time_signatures,
        title=s.title,
    )
)


def write_mid(path, tracks, ppq=480, type=1):
    """Write a MIDI file with mido from lists of (delta, message) per track."""
    mid = mido.MidiFile(type=type, ticks_per_beat=ppq)
    for messages in tracks:
        mid.tracks.append(mido.MidiTrack(msg.copy(time=delta) for delta, msg in messages))
    mid.save(path)
    return path


def on(note, vel=100, ch=0):
    return mido.Message("note_on", note=note, velocity=vel, channel=ch)


def off(note, ch=0):
    return mido.Message("note_off", note=note, channel=ch)


# --- round trips --------------------------------------------------------------------


@FILE_SETTINGS
@given(midi_scores)
def test_export_then_import_keeps_everything_midi_can_hold(tmp_path, score):
    path = tmp_path / "song.mid"
    export_midi(score, path)
    assert import_midi(path) == score


def within(a, b, from_ppq, to_ppq):
    """Two conversions A->B->A move a position by at most A/(2B) + 1/2 ticks of A."""
    return abs(a - b) <= from_ppq / (2 * to_ppq) + 0.5


@FILE_SETTINGS
@given(
    st.lists(strategies.notes, max_size=30),
    st.sampled_from([24, 96, 120, 384, 960, 1000]),
    st.lists(st.integers(1, 30), max_size=3, unique=True),
)
def test_other_ppq_keeps_positions_within_the_documented_rounding(tmp_path, notes, file_ppq, beats):
    tempo = TempoMap(
        (TempoChange(0, 600_000),) + tuple(TempoChange(b * 480 + 7, 400_000 + b) for b in beats)
    )
    sigs = TimeSignatureMap(
        (TimeSignature(0, 3, 4),) + tuple(TimeSignature(b * 480 + 5, 5, 8) for b in beats)
    )
    track = Track(name="p", channel=1, notes=fifo_safe(notes))
    score = Score(tracks=(track,), ppq=480, tempo_map=tempo, time_signatures=sigs)
    path = tmp_path / "song.mid"
    export_midi(score, path, ppq=file_ppq)
    assert mido.MidiFile(path).ticks_per_beat == file_ppq
    back = import_midi(path, ppq=480)
    got = back.tracks[0].notes
    assert len(got) == len(track.notes)
    # Rounding is monotone, so per pitch the sorted starts (and ends) correspond one to one.
    for pitch in {n.pitch for n in track.notes}:
        mine = [n for n in track.notes if n.pitch == pitch]
        theirs = [n for n in got if n.pitch == pitch]
        assert sorted(n.velocity for n in mine) == sorted(n.velocity for n in theirs)
        for a, b in zip(sorted(n.start_tick for n in mine), sorted(n.start_tick for n in theirs)):
            assert within(a, b, 480, file_ppq)
        for a, b in zip(sorted(n.end_tick for n in mine), sorted(n.end_tick for n in theirs)):
            # a note shorter than one file tick comes back one file tick long (from its
            # rounded start, itself up to half a file tick late)
            assert within(a, b, 480, file_ppq) or b - a <= 1.5 * 480 / file_ppq + 0.5
    assert [c.us_per_quarter for c in back.tempo_map.changes] == [
        c.us_per_quarter for c in tempo.changes
    ]
    for a, b in zip(tempo.changes, back.tempo_map.changes):
        assert within(a.tick, b.tick, 480, file_ppq)
    for a, b in zip(sigs.signatures, back.time_signatures.signatures):
        assert (a.numerator, a.denominator) == (b.numerator, b.denominator)
        assert within(a.tick, b.tick, 480, file_ppq)


def test_rescale_rounds_absolute_ticks_once_halves_up():
    assert rescale_tick(3, 480, 96) == 1  # 0.6 -> 1
    assert rescale_tick(5, 960, 96) == 1  # 0.5 -> 1 (halves round later)
    assert rescale_tick(14, 960, 96) == 1  # 1.4 -> 1
    # no drift: a note every 7 ticks for a long time lands exactly where it should
    assert all(rescale_tick(7 * k, 480, 96) == round(7 * k / 5 + 1e-9) for k in range(5000))


def test_export_layout_conductor_track_and_drums_on_channel_10(tmp_path):
    score = Score(
        tracks=(
            Track(
                name="Bass",
                channel=2,
                bank=129,
                program=33,
                volume=90,
                pan=30,
                notes=(Note(0, 480, 40),),
            ),
            Track(name="Kit", channel=4, is_drum=True, notes=(Note(0, 10, 36),)),
        ),
        tempo_map=TempoMap((TempoChange(0, 500_000), TempoChange(960, 400_000))),
        time_signatures=TimeSignatureMap((TimeSignature(0, 4, 4), TimeSignature(1920, 7, 8))),
        title="Tune",
    )
    path = tmp_path / "out.mid"
    export_midi(score, path)
    mid = mido.MidiFile(path)
    assert mid.type == 1 and len(mid.tracks) == 3 and mid.ticks_per_beat == 480
    conductor = [m for m in mid.tracks[0] if m.type != "end_of_track"]
    assert [m.type for m in conductor] == [
        "track_name",
        "time_signature",
        "set_tempo",
        "set_tempo",
        "time_signature",
    ]
    assert all(not isinstance(m, mido.Message) for m in mid.tracks[0])
    bass = list(mid.tracks[1])
    assert bass[0].type == "track_name" and bass[0].name == "Bass"
    assert [(m.control, m.value) for m in bass if m.type == "control_change"] == [
        (0, 1),
        (32, 1),
        (7, 90),
        (10, 30),
    ]
    assert [m.program for m in bass if m.type == "program_change"] == [33]
    assert {m.channel for m in bass if not m.is_meta} == {2}
    assert {m.channel for m in mid.tracks[2] if not m.is_meta} == {9}


# --- the import rules ---------------------------------------------------------------


def test_type0_is_split_by_channel_with_programs_and_names(tmp_path):
    path = write_mid(
        tmp_path / "t0.mid",
        [
            [
                (0, mido.MetaMessage("track_name", name="Song")),
                (0, mido.MetaMessage("set_tempo", tempo=600_000)),
                (0, mido.MetaMessage("time_signature", numerator=3, denominator=4)),
                (0, mido.Message("program_change", channel=0, program=5)),
                (0, mido.Message("control_change", channel=9, control=7, value=50)),
                (0, on(60)),
                (0, on(36, ch=9)),
                (240, off(36, ch=9)),
                (240, off(60)),
                (0, mido.MetaMessage("set_tempo", tempo=300_000)),
                (0, on(62)),
                (480, on(62, vel=0)),
            ]
        ],
        type=0,
    )
    s = import_midi(path)
    assert s.title == "Song"
    assert [(t.name, t.channel, t.is_drum, t.program, t.volume) for t in s.tracks] == [
        ("Channel 1", 0, False, 5, 100),
        ("Drums", 9, True, 0, 50),
    ]
    assert s.tracks[0].notes == (Note(0, 480, 60), Note(480, 480, 62))
    assert s.tracks[1].notes == (Note(0, 240, 36),)
    assert s.tempo_map.changes == (TempoChange(0, 600_000), TempoChange(480, 300_000))
    assert s.time_signatures.signatures == (TimeSignature(0, 3, 4),)


def test_note_on_with_velocity_zero_is_a_note_off(tmp_path):
    path = write_mid(
        tmp_path / "v0.mid",
        [[(0, on(60)), (100, on(60, vel=0)), (0, on(60, vel=90)), (50, on(60, vel=0))]],
    )
    assert import_midi(path).tracks[0].notes == (Note(0, 100, 60), Note(100, 50, 60, 90))


def test_overlapping_same_pitch_notes_pair_first_in_first_out(tmp_path):
    path = write_mid(
        tmp_path / "ov.mid", [[(0, on(60, 10)), (100, on(60, 20)), (380, off(60)), (100, off(60))]]
    )
    assert import_midi(path).tracks[0].notes == (Note(0, 480, 60, 10), Note(100, 480, 60, 20))


def test_note_on_without_note_off_ends_at_next_same_pitch_on_or_track_end(tmp_path):
    path = write_mid(
        tmp_path / "hang.mid",
        [
            [
                (0, on(60)),  # never released: ends where the next 60 starts
                (0, on(64)),  # never released, no later 64: ends at the track's end (tick 960)
                (480, on(60, 80)),
                (120, off(60)),  # released normally... by FIFO, the first 60
                (360, mido.MetaMessage("end_of_track")),
            ]
        ],
    )
    notes = import_midi(path).tracks[0].notes
    # FIFO gives the one note-off to the oldest 60; the second 60 then has none, and no
    # later 60 follows, so it lasts to the end of the track.
    assert notes == (Note(0, 600, 60), Note(0, 960, 64), Note(480, 480, 60, 80))


def test_unreleased_note_followed_by_another_start_ends_there(tmp_path):
    path = write_mid(
        tmp_path / "hang2.mid",
        [[(0, on(60)), (240, on(60, 70)), (240, mido.MetaMessage("end_of_track"))]],
    )
    assert import_midi(path).tracks[0].notes == (Note(0, 240, 60), Note(240, 240, 60, 70))


def test_type1_keeps_names_bank_program_volume_pan(tmp_path):
    path = write_mid(
        tmp_path / "t1.mid",
        [
            [
                (0, mido.MetaMessage("track_name", name="Title")),
                (0, mido.MetaMessage("set_tempo", tempo=400_000)),
            ],
            [
                (0, mido.MetaMessage("track_name", name="Strings")),
                (0, mido.Message("control_change", channel=3, control=0, value=2)),
                (0, mido.Message("control_change", channel=3, control=32, value=3)),
                (0, mido.Message("program_change", channel=3, program=48)),
                (0, mido.Message("control_change", channel=3, control=10, value=0)),
                (0, on(67, ch=3)),
                (960, off(67, ch=3)),
            ],
        ],
    )
    s = import_midi(path)
    t = s.tracks[0]
    assert (s.title, len(s.tracks)) == ("Title", 1)
    assert (t.name, t.channel, t.bank, t.program, t.pan, t.volume) == (
        "Strings",
        3,
        259,
        48,
        0,
        100,
    )
    assert s.tempo_map.changes == (TempoChange(0, 400_000),)


def test_tiny_ppq_file_is_converted_to_480(tmp_path):
    path = write_mid(
        tmp_path / "p12.mid", [[(0, on(60)), (12, off(60)), (5, on(61)), (1, off(61))]], ppq=12
    )
    s = import_midi(path)
    assert s.ppq == 480
    assert s.tracks[0].notes == (Note(0, 480, 60), Note(680, 40, 61))


# --- damaged and missing files: one sentence, non-zero exit, document untouched -----


def valid_bytes(tmp_path):
    path = tmp_path / "ok.mid"
    export_midi(
        Score(tracks=(Track(notes=tuple(Note(i * 120, 100, 60 + i % 12) for i in range(50))),)),
        path,
    )
    return path.read_bytes()


def check_bad(path, message, tmp_path, capsys):
    history = History(Score(tracks=(Track(name="mine", notes=(Note(0, 1, 60),)),)))
    before = (history.score, history.generation)
    with pytest.raises(FileFormatError) as err:
        history.apply(import_midi(path), "Open")
    assert str(err.value) == f"Cannot open {path}: {message}"
    assert "\n" not in str(err.value)
    assert (history.score, history.generation) == before
    assert main(["convert", str(path), str(tmp_path / "out.pianola")]) == 1
    assert capsys.readouterr().err == f"pianola: Cannot open {path}: {message}\n"
    assert not (tmp_path / "out.pianola").exists()


def test_truncated_file(tmp_path, capsys):
    path = tmp_path / "cut.mid"
    path.write_bytes(valid_bytes(tmp_path)[:300])
    check_bad(path, "the MIDI file is cut short (in track 2)", tmp_path, capsys)


def test_random_bytes(tmp_path, capsys):
    path = tmp_path / "noise.mid"
    path.write_bytes(random.Random(4).randbytes(2000))
    check_bad(path, "it is not a MIDI file (it does not start with MThd)", tmp_path, capsys)


def test_empty_and_missing_files(tmp_path, capsys):
    (tmp_path / "empty.mid").write_bytes(b"")
    check_bad(tmp_path / "empty.mid", "the file is empty", tmp_path, capsys)
    check_bad(tmp_path / "nope.mid", "the file does not exist", tmp_path, capsys)


def test_damaged_event_data(tmp_path, capsys):
    data = bytearray(valid_bytes(tmp_path))
    assert data[23] == 0xFF  # the first event of the conductor track is a meta event
    data[23] = 0xF4  # ... now an undefined status byte
    path = tmp_path / "bad.mid"
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"^Cannot open .*: the MIDI file is damaged \("):
        import_midi(path)


def test_smpte_and_type2_files_are_refused(tmp_path, capsys):
    smpte = tmp_path / "smpte.mid"
    smpte.write_bytes(
        b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\xe7\x28MTrk\x00\x00\x00\x04\x00\xff\x2f\x00"
    )
    check_bad(
        smpte,
        "it counts time in SMPTE frames instead of beats, which Pianola does not read",
        tmp_path,
        capsys,
    )
    t2 = write_mid(tmp_path / "t2.mid", [[(0, on(60)), (10, off(60))]], type=2)
    check_bad(
        t2,
        "it is a type 2 MIDI file (separate patterns), which Pianola does not read",
        tmp_path,
        capsys,
    )


# Byte changes (position, new value) and a cut, as the corruption test draws them.
corruptions = st.tuples(
    st.lists(st.tuples(st.integers(0, 10_000), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 10_000),
)


@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(corruptions)
# Found at random: the time signature turned into a key signature with mode 2, which
# mido refuses with its own KeySignatureError.
@example(([(24, 0x59), (25, 2)], 10_000))
def test_any_corruption_gives_a_file_format_error_or_a_score(tmp_path, corruption):
    changes, cut = corruption
    raw = bytearray(valid_bytes(tmp_path))
    for position, value in changes:
        raw[position % len(raw)] = value
    raw = raw[: min(cut, len(raw))]
    path = tmp_path / "fuzz.mid"
    path.write_bytes(bytes(raw))
    try:
        score = import_midi(path)
    except FileFormatError as exc:
        assert str(exc).startswith(f"Cannot open {path}: ") and "\n" not in str(exc)
    else:
        assert isinstance(score, Score)


def test_export_into_unwritable_folder_keeps_the_old_file(tmp_path, lock_folder, capsys):
    folder = tmp_path / "locked"
    folder.mkdir()
    path = folder / "song.mid"
    export_midi(Score(), path)
    old = path.read_bytes()
    lock_folder(folder)
    score = Score(tracks=(Track(notes=(Note(0, 10, 60),)),))
    with pytest.raises(FileWriteError, match="permission was denied|read-only"):
        export_midi(score, path)
    assert path.read_bytes() == old
    src = tmp_path / "in.pianola"
    from engine.files.project_file import save_project

    save_project(score, src)
    assert main(["convert", str(src), str(path)]) == 1
    assert capsys.readouterr().err.startswith(f"pianola: Cannot save {path}: ")
    assert path.read_bytes() == old


def test_markers_go_out_as_midi_markers_and_come_back(tmp_path):
    import mido

    from engine.core import edits
    from engine.core.score import Note, Score, Track
    from engine.files.midifile import import_midi
    from engine.files.midifile_export import export_midi

    score = Score(tracks=(Track(name="Piano", notes=(Note(0, 480, 60),)),))
    score = edits.set_marker(edits.set_marker(score, 0, "Intro"), 3840, "Verse")
    path = tmp_path / "song.mid"
    export_midi(score, path)
    metas = [m for m in mido.MidiFile(path).tracks[0] if m.type == "marker"]
    assert [m.text for m in metas] == ["Intro", "Verse"]
    assert [(m.tick, m.name) for m in import_midi(path).markers] == [(0, "Intro"), (3840, "Verse")]
