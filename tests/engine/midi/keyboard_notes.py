"""Notes played into a MIDI input by a JACK MIDI client of the test's own (the caller's
thread; the client sends each at its frame)."""

from __future__ import annotations

from engine.measure.midi_capture import MidiRecorder

HELD_FRAMES = 4800  # a tenth of a second at 48 kHz


def play_notes(
    keyboard: MidiRecorder,
    first_frame: int,
    apart_frames: int,
    keys,
    *,
    channel: int = 0,
    velocity: int = 100,
    held_frames: int = HELD_FRAMES,
) -> list[int]:
    """Each of ``keys`` played in turn on ``channel``, ``apart_frames`` apart from JACK
    frame ``first_frame``, each released ``held_frames`` later; the frames of the
    note-ons."""
    sent = [first_frame + i * apart_frames for i in range(len(keys))]
    for frame, key in zip(sent, keys):
        keyboard.send_at(frame, bytes((0x90 | channel, key, velocity)))
        keyboard.send_at(frame + held_frames, bytes((0x80 | channel, key, 0)))
    return sent
