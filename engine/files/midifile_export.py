"""Standard MIDI files out through mido: type 1 (pure apart from file I/O).

A conductor track (title, time signatures, tempo map, markers) and one track per Pianola
track (name, bank select, program, volume, pan, controller events, notes on its channel;
drum tracks on channel 10).  Patterns are written as the notes they play.  Ticks are
rescaled with ``engine.files.midifile.rescale_tick``, the rule reading uses too.
"""

from __future__ import annotations

import io
from pathlib import Path

import mido

from engine.core.controllers import (
    CC_BANK_LSB,
    CC_BANK_MSB,
    CC_PAN,
    CC_VOLUME,
    CONTROL,
    PROGRAM,
    ControlEvent,
)
from engine.core.error_translation import writing
from engine.core.errors import FileWriteError, ScoreError
from engine.core.pattern_expand import score_with_arrangement
from engine.core.score import GM_DRUM_CHANNEL, Score
from engine.files.file_io import write_file_atomically
from engine.files.midifile import MAX_PPQ, rescale_tick


def _delta_track(events) -> mido.MidiTrack:
    """A track from (tick, order, message) events: sorted, with delta times."""
    track = mido.MidiTrack()
    last = 0
    for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):  # stable
        msg.time = tick - last
        last = tick
        track.append(msg)
    track.append(mido.MetaMessage("end_of_track", time=0))
    return track


def _safe_text(text: str) -> str:
    # mido encodes meta text with the file's charset (UTF-8 here); a lone surrogate
    # cannot be encoded, so it becomes U+FFFD rather than failing the whole save.
    return text.encode("utf-8", "replace").decode("utf-8")


def midifile_from_score(score: Score, ppq: int | None = None) -> mido.MidiFile:
    """The score as a type 1 mido.MidiFile at ``ppq`` ticks per quarter (default: the score's)."""
    out_ppq = score.ppq if ppq is None else ppq
    if isinstance(out_ppq, bool) or not isinstance(out_ppq, int) or not 1 <= out_ppq <= MAX_PPQ:
        raise ScoreError(
            f"MIDI ticks per quarter note must be from 1 to {MAX_PPQ}, not {out_ppq!r}"
        )
    # MIDI has no patterns: the arrangement goes out as the notes it plays, with the
    # song's seed deciding each probability (the same notes on every export).
    score = score_with_arrangement(score)

    def at(tick: int) -> int:
        return rescale_tick(tick, score.ppq, out_ppq)

    mid = mido.MidiFile(type=1, ticks_per_beat=out_ppq, charset="utf-8")
    conductor = []
    if score.title:
        conductor.append((0, 0, mido.MetaMessage("track_name", name=_safe_text(score.title))))
    for sig in score.time_signatures.signatures:
        conductor.append(
            (
                at(sig.tick),
                1,
                mido.MetaMessage(
                    "time_signature", numerator=sig.numerator, denominator=sig.denominator
                ),
            )
        )
    for change in score.tempo_map.changes:
        conductor.append(
            (at(change.tick), 2, mido.MetaMessage("set_tempo", tempo=change.us_per_quarter))
        )
    for marker in score.markers:
        conductor.append(
            (at(marker.tick), 3, mido.MetaMessage("marker", text=_safe_text(marker.name)))
        )
    mid.tracks.append(_delta_track(conductor))

    for track in score.tracks:
        ch = GM_DRUM_CHANNEL if track.is_drum else track.channel
        events: list[tuple[int, float, mido.Message | mido.MetaMessage]] = [
            (0, 0, mido.MetaMessage("track_name", name=_safe_text(track.name))),
            (
                0,
                1,
                mido.Message(
                    "control_change", channel=ch, control=CC_BANK_MSB, value=track.bank >> 7
                ),
            ),
            (
                0,
                2,
                mido.Message(
                    "control_change", channel=ch, control=CC_BANK_LSB, value=track.bank & 127
                ),
            ),
            (0, 3, mido.Message("program_change", channel=ch, program=track.program)),
            (
                0,
                4,
                mido.Message("control_change", channel=ch, control=CC_VOLUME, value=track.volume),
            ),
            (0, 5, mido.Message("control_change", channel=ch, control=CC_PAN, value=track.pan)),
        ]
        # At one tick: the settings, then controller events in the track's order (a
        # pedal or program change applies to the notes at its tick), then releases
        # before new notes (so a repeated note is not cut short), and notes in the
        # track's order, which keeps the first-in, first-out pairing of the importer true
        # to the score.
        for event in track.controllers:
            events.append((at(event.tick), 5.5, _controller_message(event, ch)))
        for seq, note in enumerate(track.notes):
            start, end = at(note.start_tick), at(note.end_tick)
            end = max(end, start + 1)
            events.append(
                (
                    start,
                    7 + seq,
                    mido.Message("note_on", channel=ch, note=note.pitch, velocity=note.velocity),
                )
            )
            events.append(
                (end, 6, mido.Message("note_off", channel=ch, note=note.pitch, velocity=0))
            )
        mid.tracks.append(_delta_track(events))
    return mid


def _controller_message(event: ControlEvent, channel: int) -> mido.Message:
    if event.kind == CONTROL:
        return mido.Message(
            "control_change", channel=channel, control=event.number, value=event.value
        )
    if event.kind == PROGRAM:
        return mido.Message("program_change", channel=channel, program=event.value)
    return mido.Message("pitchwheel", channel=channel, pitch=event.value)


def export_midi(score: Score, path, ppq: int | None = None) -> None:
    """Write the score as a type 1 Standard MIDI File, atomically (FileWriteError)."""
    path = Path(path)
    buffer = io.BytesIO()
    try:
        with writing(path, libraries=("mido",)):
            midifile_from_score(score, ppq).save(file=buffer)
    except ScoreError as exc:
        raise FileWriteError(path, str(exc)) from None
    write_file_atomically(path, buffer.getvalue())
