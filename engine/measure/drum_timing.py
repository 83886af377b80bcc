"""Timing a drum pattern heard at a JACK output: the sixteenths, a recording's onsets
against them, and FluidSynth played straight into JACK two ways to compare the engine
with (benchmark main thread; the naive player runs in a child process).

``measure_direct`` schedules every note on FluidSynth's own sequencer on the sample clock
(the reference the measuring chain was validated against); ``measure_naive`` calls
``noteon()`` at wall-clock deadlines from a separate process, the way a simple player
would.  Both are recorded with ``engine.measure.capture.Recorder`` and analysed like the
engine in ``pianola bench timing``.
"""

from __future__ import annotations

import multiprocessing
import time
from pathlib import Path

import numpy as np

from engine.core.errors import AudioDriverError, SoundFontError
from engine.measure.capture import Recorder, Recording
from engine.measure.onsets import (
    TimingStats,
    find_onsets,
    match_onsets,
    suggest_threshold,
    timing_stats,
)

SAMPLE_RATE = 48000
DRUM_CHANNEL = 9
DRUM_BANK = 128
NAIVE_CLIENT = "pianola-naive"
DIRECT_CLIENT = "pianola-direct"
LEAD_S = 0.25  # the first note sounds this long after the player is told to start
TAIL_S = 0.3  # recorded after the last note so its onset and decay are complete


def sixteenth_frames(bpm: float, seconds: float, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Frames (from the first note) of sixteenths at ``bpm`` for ``seconds``, rounded."""
    step_s = 60.0 / bpm / 4
    count = max(2, int(seconds / step_s))
    return np.round(np.arange(count) * step_s * sample_rate).astype(np.int64)


def analyse(
    recording: Recording,
    expected_jack_frames: np.ndarray,
    min_gap_frames: int,
) -> tuple[TimingStats, float, list[str]]:
    """Timing figures of ``recording`` against the expected JACK frames, the latency, and
    a line on each of the first few errors beyond 64 frames (when, how far from a lost
    cycle), so a bad figure can be told from a disturbed measurement."""
    mag = recording.magnitude()
    onsets = find_onsets(mag, suggest_threshold(mag, 0.1), min_gap_frames)
    gaps = recording.gap_frames()
    match = match_onsets(
        expected_jack_frames,
        recording.stream_frames(onsets),
        tolerance_frames=min_gap_frames,
        breaks=gaps,
    )
    notes = []
    for i in np.flatnonzero(np.abs(match.errors) > 64)[:5]:
        at_s = (match.expected[i] - expected_jack_frames[0]) / recording.sample_rate
        near = int(np.min(np.abs(gaps - match.found[i]))) if len(gaps) else None
        notes.append(
            f"note at {at_s:.3f} s: error {match.errors[i]:+.0f} frames"
            + (f", {near} frames from a lost cycle" if near is not None else "")
        )
    return timing_stats(match, recording.sample_rate), match.offset_frames, notes


def open_jack_synth(server_name: str, soundfont, client_id: str, gain: float = 0.5):
    """A pyfluidsynth Synth playing into JACK server ``server_name``, drums on channel 10.

    The audio driver is created without a MIDI driver (``Synth.start()`` would open ALSA
    MIDI, which fails without /dev/snd); reverb and chorus are off so hits end cleanly.
    """
    from engine.audio.fluid_ffi import pyfluidsynth as fluidsynth

    if not Path(soundfont).is_file():
        raise SoundFontError(f"The SoundFont {soundfont} does not exist.")
    synth = fluidsynth.Synth(gain=gain, samplerate=float(SAMPLE_RATE))
    for key, value in (
        ("audio.driver", "jack"),
        ("audio.jack.server", server_name),
        ("audio.jack.id", client_id),
        ("audio.jack.autoconnect", 0),
        ("synth.reverb.active", 0),
        ("synth.chorus.active", 0),
    ):
        synth.setting(key, value)
    synth.audio_driver = fluidsynth.new_fluid_audio_driver(synth.settings, synth.synth)
    if not synth.audio_driver:
        synth.delete()
        raise AudioDriverError(f"FluidSynth could not open JACK server {server_name!r}.")
    sfid = synth.sfload(str(soundfont))
    if sfid < 0:
        synth.delete()
        raise SoundFontError(f"FluidSynth could not load the SoundFont {soundfont}.")
    synth.program_select(DRUM_CHANNEL, sfid, DRUM_BANK, 0)
    return synth


def measure_direct(
    server_name: str, soundfont, offsets: np.ndarray, note: int, min_gap_frames: int
) -> tuple[TimingStats, float, Recording, list[str]]:
    """FluidSynth's sequencer on the sample clock, all notes sent ahead, recorded."""
    from engine.audio.fluid_ffi import pyfluidsynth as fluidsynth

    synth = open_jack_synth(server_name, soundfont, DIRECT_CLIENT)
    seq = fluidsynth.Sequencer(time_scale=SAMPLE_RATE, use_system_timer=False)
    try:
        dest = seq.register_fluidsynth(synth)
        with Recorder(
            rf"^{DIRECT_CLIENT}:",
            channels=1,
            server_name=server_name,
            max_seconds=offsets[-1] / SAMPLE_RATE + LEAD_S + TAIL_S + 2,
        ) as rec:
            rec.start()
            # Pair the two clocks as closely as Python allows (one period of uncertainty).
            now_tick, now_frame = seq.get_tick(), rec.frame_time_now()
            lead = int(LEAD_S * SAMPLE_RATE)
            for at in offsets:
                seq.note(
                    int(now_tick + lead + at), DRUM_CHANNEL, note, 100, min_gap_frames, dest=dest
                )
            expected = now_frame + lead + offsets
            rec.wait_until_frame(
                int(expected[-1]) + int(TAIL_S * SAMPLE_RATE),
                timeout_s=LEAD_S + offsets[-1] / SAMPLE_RATE + 10,
            )
            recording = rec.stop()
    finally:
        seq.delete()
        synth.delete()
    stats, latency, notes = analyse(recording, expected, min_gap_frames)
    return stats, latency, recording, notes


def _naive_player(
    server_name: str, soundfont: str, offsets_s: list[float], note: int, conn
) -> None:
    """Child process: noteon() at absolute wall-clock deadlines (sleep, then spin)."""
    synth = open_jack_synth(server_name, soundfont, NAIVE_CLIENT)
    conn.send("ready")
    start = conn.recv()  # a time.monotonic() value: the same clock in every process
    for i, offset in enumerate(offsets_s):
        deadline = start + offset
        remaining = deadline - time.monotonic()
        if remaining > 0.002:
            time.sleep(remaining - 0.002)  # the scheduler may wake us late: spin the rest
        while time.monotonic() < deadline:
            pass
        if i:
            synth.noteoff(DRUM_CHANNEL, note)
        synth.noteon(DRUM_CHANNEL, note, 100)
    time.sleep(TAIL_S)
    conn.send("done")
    conn.recv()
    synth.delete()


def measure_naive(
    server_name: str, soundfont, offsets: np.ndarray, note: int, min_gap_frames: int
) -> tuple[TimingStats, float, Recording, list[str]]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(
        target=_naive_player,
        daemon=True,
        args=(server_name, str(soundfont), list(offsets / SAMPLE_RATE), note, child),
    )
    proc.start()
    try:
        if not parent.poll(20) or parent.recv() != "ready":
            raise AudioDriverError("the naive player did not start.")
        with Recorder(
            rf"^{NAIVE_CLIENT}:",
            channels=1,
            server_name=server_name,
            max_seconds=offsets[-1] / SAMPLE_RATE + LEAD_S + TAIL_S + 3,
        ) as rec:
            rec.start()
            now_s, now_frame = time.monotonic(), rec.frame_time_now()
            start = now_s + LEAD_S
            parent.send(start)
            expected = now_frame + int(LEAD_S * SAMPLE_RATE) + offsets
            if not parent.poll(LEAD_S + offsets[-1] / SAMPLE_RATE + 20):
                raise AudioDriverError("the naive player did not finish.")
            parent.recv()
            recording = rec.stop()
        parent.send("quit")
    finally:
        proc.join(5)
        if proc.is_alive():
            proc.kill()
            proc.join()
    stats, latency, notes = analyse(recording, expected, min_gap_frames)
    return stats, latency, recording, notes
