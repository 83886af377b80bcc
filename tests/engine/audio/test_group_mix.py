"""The metered mix (engine.audio.group_mix) with the real FluidSynth: the output is the
same sum FluidSynth makes itself, each track's peak is its own, and on JACK the synth keeps
its two outputs."""

from __future__ import annotations

import time

import numpy as np
import pytest

from engine.audio.group_mix import GROUPS, MeterTarget
from engine.audio.synth import SynthBackend
from engine.core.audio_settings import AudioSettings
from engine.files.soundfonts import BUNDLED_SOUNDFONT
from engine.realtime.position import TRACK_LEVELS, PositionBlock

RATE = 48000


@pytest.fixture
def block():
    block = PositionBlock.create()
    yield block
    block.close()


def render_song(settings: AudioSettings, block: PositionBlock | None, frames: int):
    """Three channels with different instruments, reverb and chorus on; returns the
    output and the track peaks seen after each period."""
    backend = SynthBackend(settings, BUNDLED_SOUNDFONT)
    if block is not None:
        backend.meter_target = MeterTarget(*block.level_addresses())
    backend.open()
    try:
        for channel, program, key in ((0, 0, 60), (2, 33, 40), (5, 80, 72)):
            backend.program_now(channel, 0, program)
            backend.schedule_note_on(4800 * (channel + 1), channel, key, 110)
            backend.schedule_note_off(RATE, channel, key)
        out, peaks = [], []
        for _ in range(frames // 256):
            out.append(backend.render(256))
            if block is not None:
                peaks.append(block.read_track_levels())
        return np.concatenate(out), np.array(peaks), backend.metered
    finally:
        backend.close()


def test_the_metered_output_is_fluidsynths_own_mix_and_each_track_is_measured_alone(block):
    settings = AudioSettings(driver="file", reverb=True, chorus=True, sample_rate=RATE)
    plain, _, metered = render_song(settings, None, 2 * RATE)
    assert not metered
    mixed, peaks, metered = render_song(settings, block, 2 * RATE)
    assert metered and GROUPS == TRACK_LEVELS
    assert np.abs(plain).max() > 0.05
    # the same samples, to float rounding: groups and effects summed in another order
    assert np.abs(plain - mixed).max() < 1e-6
    loudest = peaks.max(axis=0)
    assert loudest[0] > 0.01 and loudest[2] > 0.01 and loudest[5] > 0.01
    assert loudest[1] == 0 and loudest[3] == 0 and loudest[4] == 0 and loudest[6:].max() == 0
    # the bass starts at 0.3 s: before that its peak is silence while the piano sounds
    before_bass = peaks[: int(0.25 * RATE) // 256]
    assert before_bass[:, 2].max() == 0 and before_bass[:, 0].max() > 0.01
    left, right, windows = block.read_levels()
    # a window closes on the first period that completes 40 ms
    assert windows == 2 * RATE // (int(0.04 * RATE) + 256 - int(0.04 * RATE) % 256)


@pytest.mark.audio
def test_on_jack_the_synth_keeps_two_outputs_and_measures_each_track(jack_server, block):
    import jack

    settings = AudioSettings(driver="jack", jack_server=jack_server, sample_rate=RATE)
    backend = SynthBackend(settings, BUNDLED_SOUNDFONT)
    backend.meter_target = MeterTarget(*block.level_addresses())
    with backend:
        assert backend.metered, backend.meter_reason
        client = jack.Client("pianola-test-ports", servername=jack_server, no_start_server=True)
        try:
            ports = [p.name for p in client.get_ports("^pianola:", is_audio=True, is_output=True)]
        finally:
            client.close()
        assert ports == ["pianola:left", "pianola:right"]
        backend.program_now(3, 0, 0)
        backend.schedule_note_on(backend.now_frame() + RATE // 10, 3, 64, 110)
        seen = [0.0] * TRACK_LEVELS
        deadline = time.monotonic() + 20
        while seen[3] < 0.01 and time.monotonic() < deadline:
            seen = [max(a, b) for a, b in zip(seen, block.read_track_levels())]
            time.sleep(0.005)
        assert seen[3] > 0.01, "track 4's note never reached its meter"
        assert max(seen[:3] + seen[4:]) == 0
        assert block.read_levels()[2] > 0


def test_without_a_c_compiler_the_synth_plays_its_own_mix_and_says_why(tmp_path):
    import json
    import os
    import subprocess
    import sys

    script = (
        "import json\n"
        "from engine.audio import group_mix\n"
        "from engine.audio.group_mix import MeterTarget\n"
        "from engine.audio.synth import SynthBackend\n"
        "from engine.core.audio_settings import AudioSettings\n"
        "from engine.files.soundfonts import BUNDLED_SOUNDFONT\n"
        "from engine.realtime.position import PositionBlock\n"
        "block = PositionBlock.create()\n"
        "backend = SynthBackend(AudioSettings(driver='file'), BUNDLED_SOUNDFONT)\n"
        "backend.meter_target = MeterTarget(*block.level_addresses())\n"
        "with backend:\n"
        "    backend.note_on_now(0, 60, 100)\n"
        "    loudest = float(abs(backend.render(4800)).max())\n"
        "    print(json.dumps([backend.metered, backend.meter_reason, loudest]))\n"
        "block.close()\n"
    )
    env = dict(os.environ, CC="pianola-no-such-compiler", PIANOLA_CACHE_DIR=str(tmp_path))
    out = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr
    metered, reason, loudest = json.loads(out.stdout.strip().splitlines()[-1])
    assert not metered
    assert reason == "no C compiler is installed to build the per-track meter mix"
    assert loudest > 0.01  # it still plays
    assert not list(tmp_path.iterdir())  # and left nothing half-built behind
