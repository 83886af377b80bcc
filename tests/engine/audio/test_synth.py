"""The FluidSynth backend with the real library: drivers, clock, scheduled events, errors."""

from __future__ import annotations

import time

import jack
import numpy as np
import pytest

from engine.audio.outputs import portaudio_callback
from engine.audio.synth import BLOCK_FRAMES, SynthBackend
from engine.core.audio_settings import AudioSettings
from engine.core.errors import AudioDriverError, SoundFontError
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.realtime.scheduler import Scheduler

SR = 48000
KICK = 36


@pytest.fixture
def offline():
    backend = SynthBackend(AudioSettings(driver="file", reverb=False), BUNDLED_SOUNDFONT).open()
    yield backend
    backend.close()


def first_sound(buffer: np.ndarray, threshold: float = 1e-3) -> int:
    loud = np.flatnonzero(np.abs(buffer[:, 0]) > threshold)
    assert len(loud), "no sound at all"
    return int(loud[0])


def wait_for_frame(backend, frame: int, timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while backend.now_frame() < frame:
        assert time.monotonic() < deadline, "the audio clock stopped"
        time.sleep(0.001)


def test_jack_driver_runs_on_the_sample_clock(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, sample_rate=SR)
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        assert backend.driver_name == "jack" and backend.sample_rate == SR
        # frames of audio, the server's own: the synth's clock keeps one distance from
        # the frame the server's current cycle began at (within the period, plus the
        # sequencer's millisecond steps), whatever the machine's load makes of the cycles
        client = jack.Client("pianola-clock-reader", servername=jack_server)
        client.activate()
        distances, cycles = set(), set()
        try:
            while len(cycles) < 8:
                began, frame = client.last_frame_time, backend.now_frame()
                if client.last_frame_time == began:  # one cycle throughout both readings
                    distances.add(frame - began)
                    cycles.add(began)
                time.sleep(0.002)
        finally:
            client.deactivate()
            client.close()
        assert max(distances) - min(distances) <= 256 + SR // 1000

        backend.program_now(0, 0, 0)
        at = backend.now_frame() + SR  # a second ahead
        backend.schedule_note_on(at, 0, 60, 100)
        backend.schedule_note_off(at + SR, 0, 60)
        # the clock moves a period at a time and an event is dispatched up to ~2 blocks
        # before its frame, so "before" is any reading 8 blocks or more before it; the
        # voices are read first, so the clock read after them bounds when they were read
        judged = 0
        while True:
            voices = backend.active_voices()
            frame = backend.now_frame()
            if frame > at - 8 * BLOCK_FRAMES:
                break
            assert voices == 0  # queued, not yet due
            judged += 1
            time.sleep(0.001)
        assert judged  # a second is long enough for one reading, however busy
        wait_for_frame(backend, at + 2 * BLOCK_FRAMES)
        assert backend.active_voices() > 0  # applied by the audio thread on time


def test_jack_follows_the_servers_sample_rate(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, sample_rate=44100)
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        assert backend.sample_rate == SR  # the test server runs at 48 kHz


def test_jack_without_a_server_is_a_clear_error():
    settings = AudioSettings(driver="jack", jack_server="pianola-no-such-server")
    with pytest.raises(
        AudioDriverError, match="No JACK server is running .*pianola-no-such-server"
    ):
        SynthBackend(settings, BUNDLED_SOUNDFONT).open()


def test_unknown_driver_is_a_clear_error():
    with pytest.raises(
        AudioDriverError, match="Unknown audio driver 'xyz': choose one of auto, jack"
    ):
        AudioSettings(driver="xyz")


def test_missing_or_broken_soundfont_is_a_clear_error(tmp_path):
    with pytest.raises(SoundFontError, match="does not exist"):
        SynthBackend(AudioSettings(driver="file"), tmp_path / "none.sf2").open()
    junk = tmp_path / "junk.sf2"
    junk.write_bytes(b"RIFF not really a soundfont")
    with pytest.raises(SoundFontError, match="not a readable SoundFont 2 file"):
        SynthBackend(AudioSettings(driver="file"), junk).open()


def test_none_driver_advances_the_clock_in_real_time():
    with SynthBackend(AudioSettings(driver="none"), BUNDLED_SOUNDFONT) as backend:
        start = backend.now_frame()
        time.sleep(0.3)
        assert 0.15 * SR < backend.now_frame() - start < 0.6 * SR


def test_presets_come_from_the_loaded_font(offline):
    names = offline.preset_names()
    assert (0, 0) in names and (128, 0) in names
    assert all(isinstance(n, str) and n for n in names.values())


def test_scheduled_note_sounds_within_half_a_block_of_its_frame(offline):
    """The stamp compensates FluidSynth's millisecond clock and block grid."""
    offline.set_channel_type(9, True)
    offline.program_now(9, 128, 0)
    # the kit's own attack delay, from a note started exactly at a block boundary (the
    # second one: a fresh channel's first note rises a little slower)
    for _ in range(2):
        offline.render(BLOCK_FRAMES * 10)
        offline.note_on_now(9, KICK, 127)
        attack = first_sound(offline.render(4096))
        offline.note_off_now(9, KICK)
        offline.render(SR)
        offline.all_sounds_off()
        offline.render(SR // 10)
    errors = []
    for offset in range(0, 64, 5):
        frame = offline.now_frame() + 8000 + offset
        offline.schedule_note_on(frame, 9, KICK, 127)
        offline.schedule_note_off(frame + 2000, 9, KICK)
        begin = offline.now_frame()
        audio = offline.render(16000)
        errors.append(begin + first_sound(audio) - attack - frame)
        offline.all_sounds_off()
        offline.render(SR // 10)
    assert all(abs(e) <= BLOCK_FRAMES // 2 for e in errors), errors


def test_cancel_pending_withdraws_queued_events(offline):
    offline.program_now(0, 0, 0)
    offline.schedule_note_on(offline.now_frame() + 5000, 0, 60, 100)
    offline.cancel_pending()
    assert not np.any(np.abs(offline.render(10000)) > 1e-4)


def test_cancel_tag_withdraws_only_that_notes_events(offline):
    offline.program_now(0, 0, 0)
    offline.program_now(1, 0, 0)
    start = offline.now_frame()
    offline.schedule_note_on(start + 5000, 0, 60, 100, tag=1)
    offline.schedule_note_on(start + 5000, 1, 72, 100, tag=2)
    offline.cancel_tag(1)
    offline.render(4000)
    assert offline.active_voices() == 0
    offline.render(2000)
    assert offline.active_voices() == 1  # the note of tag 2 only


def test_portaudio_callback_renders_into_the_interleaved_buffer(offline):
    """The "sounddevice" driver's audio-thread path (no PortAudio device here to open)."""
    offline.program_now(0, 0, 0)
    offline.schedule_note_on(offline.now_frame() + 300, 0, 60, 110)
    outdata = np.zeros((512, 2), dtype=np.float32)
    before = offline.now_frame()
    portaudio_callback(offline.write_frames)(outdata, 512, None, None)
    assert offline.now_frame() == before + 512  # the clock is the frames PortAudio took
    assert np.abs(outdata[:256]).max() == 0 and np.abs(outdata[320:]).max() > 0.001
    assert np.abs(outdata[320:, 1]).max() > 0.001  # the right channel is written too


def test_drum_channel_on_any_channel(offline):
    offline.set_channel_type(3, True)
    assert offline.program_now(3, 128, 0)
    offline.note_on_now(3, KICK, 120)
    assert np.abs(offline.render(4096)).max() > 0.01


def test_close_is_safe_twice(offline):
    offline.close()
    offline.close()


def test_jack_backend_reports_the_servers_period_and_a_safe_lookahead(jack_server):
    settings = AudioSettings(driver="jack", jack_server=jack_server, period_frames=64)
    with SynthBackend(settings, BUNDLED_SOUNDFONT) as backend:
        assert backend.period_frames == 256  # the test server's, not the setting
        assert backend.min_lookahead_frames > 256
        scheduler = Scheduler(backend, lookahead_frames=10)
        assert scheduler.lookahead_frames == backend.min_lookahead_frames


def test_cancel_pending_says_exactly_which_events_were_applied(offline):
    """Every note-on up to the frame it returns has been applied and sounds; every later
    one is withdrawn: none is left in doubt (a withdrawn one would never sound)."""
    offline.program_now(0, 0, 0)
    partly = 0
    for played in range(0, 64 * 6, 23):  # the withdrawal at many phases of the blocks
        offline.all_sounds_off()
        offline.render(SR // 10)
        now = offline.now_frame()
        frames = [now + 200 + offset for offset in range(0, 400, 8)]
        for key, frame in enumerate(frames, start=30):
            offline.schedule_note_on(frame, 0, key, 100)
        offline.render(played)
        applied = offline.cancel_pending()
        offline.render(1000)
        heard = offline.active_voices()
        assert heard == sum(1 for f in frames if f <= applied), (played, applied - now)
        partly += 0 < heard < len(frames)
    assert partly > 5  # the withdrawal fell among the notes, not before or after them
