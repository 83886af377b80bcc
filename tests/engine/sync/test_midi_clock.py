"""MIDI clock out, recorded by a JACK MIDI client of the test's own: 24 pulses per quarter
on the frames of the music, Start/Continue/Stop, and song position after a locate and at
each loop jump (real synth, real JACK MIDI port)."""

from __future__ import annotations

import time

import pytest

from engine.audio.synth import SynthBackend
from engine.core.audio_settings import AudioSettings
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.measure.midi_capture import MidiRecorder
from engine.midi.jack_port import JackMidiPort
from engine.realtime.scheduler import Scheduler
from engine.sync.midi_clock import (
    CLOCK,
    CONTINUE,
    START,
    STOP,
    MidiClockOut,
    song_position,
)
from tests.engine.sync.sync_kit import PPQ, ServiceThread, clicks

SR = 48000
PULSE_FRAMES = SR // 2 // 24  # 120 BPM: 1000 frames


def test_song_position_counts_sixteenths_in_fourteen_bits():
    assert song_position(0, PPQ) == bytes((0xF2, 0, 0))
    assert song_position(4 * PPQ, PPQ) == bytes((0xF2, 16, 0))
    assert song_position(40 * PPQ, PPQ) == bytes((0xF2, 160 & 0x7F, 160 >> 7))


@pytest.mark.audio
def test_clock_start_locate_loop_and_stop_as_another_program_receives_them(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, reverb=False)
    with (
        SynthBackend(settings, BUNDLED_SOUNDFONT) as backend,
        MidiRecorder("pianola-test-clock-in", server=jack_server) as recorder,
        JackMidiPort("pianola-test-clock", server=jack_server) as port,
    ):
        recorder.connect_from(port.port_name)
        scheduler = Scheduler(backend, lookahead_frames=1440, stop_at_end=False)
        scheduler.load_score(clicks(64))
        clock = MidiClockOut(scheduler, port)
        with ServiceThread(clock.service, scheduler.service):
            time.sleep(0.3)
            scheduler.play(0)
            time.sleep(1.2)
            scheduler.locate(8 * PPQ)  # while playing: song position 32, continue
            time.sleep(0.8)
            scheduler.set_loop(True, 8 * PPQ, 10 * PPQ)  # one second: it loops at once
            time.sleep(2.5)
            scheduler.stop()
            time.sleep(0.3)
        events = recorder.events()
    kinds = [data for _, data in events]
    assert kinds[0] == bytes((START,))
    assert kinds[-1] == bytes((STOP,))
    assert kinds.count(bytes((START,))) == 1
    # the locate: song position 8 quarters = 32 sixteenths, then continue
    locate = kinds.index(song_position(8 * PPQ, PPQ))
    assert kinds[locate + 1] == bytes((CONTINUE,)) and kinds[locate + 2] == bytes((CLOCK,))
    # every loop jump: the loop start's song position right before the pass's first pulse
    jumps = [i for i, k in enumerate(kinds) if k == song_position(8 * PPQ, PPQ)][1:]
    assert len(jumps) >= 2
    assert all(kinds[i + 1] == bytes((CLOCK,)) for i in jumps)
    # pulses: one every 1000 frames at 120 BPM, the pulse after a loop jump as well; the
    # step over the locate differs, and so do steps where a busy machine dropped a cycle
    # (the synth's frames then move against JACK's until the map has seen it: the
    # benchmark measures how often) -- most steps are exact
    pulses = [f for f, data in events if data == bytes((CLOCK,))]
    pairs = [(a, b) for a, b in zip(pulses, pulses[1:]) if recorder.heard(a) and recorder.heard(b)]
    exact = [b - a for a, b in pairs if abs(b - a - PULSE_FRAMES) <= 64]
    assert len(exact) >= 0.8 * len(pairs), [b - a for a, b in pairs]
    assert len(pulses) >= 24 * 4
