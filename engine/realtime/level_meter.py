"""The output level meter where the metered mix does not measure it: peaks of what the
synth plays, published beside the position (a rendering thread of ours, or a JACK helper
process).

Usually the synth renders through ``engine.audio.group_mix``, whose C audio callback
measures each track and the output itself.  Where that mix is unavailable (no C compiler
to build it) the whole output is measured here instead -- who measures depends on who
renders:
- outputs the engine renders itself ("none", "sounddevice"): ``LevelWindow.feed`` runs
  in that rendering thread after each block, a numpy max over a few hundred samples;
- FluidSynth's JACK driver renders in FluidSynth's own thread, where no Python may run:
  a helper process of its own (``run_jack_meter``) registers two JACK inputs, connects
  the synth's outputs to them and takes the peaks in its JACK process callback.  It is
  its own process so that its callback never waits for the engine's interpreter lock,
  and all it does per cycle is two numpy maxima.
Both publish the peak of each channel over windows of about 40 ms.
"""

from __future__ import annotations

import ctypes
import os
import subprocess
import sys
import threading

import numpy as np

from engine.realtime.position import PositionBlock

WINDOW_S = 0.04
LEAVE_JACK_S = 2.0  # how long the JACK helper waits for JACK to let it go


class LevelWindow:
    """Running peaks of interleaved stereo float32 blocks, published once per window."""

    def __init__(self, position: PositionBlock, sample_rate: int):
        self.position = position
        self.window_frames = max(1, int(sample_rate * WINDOW_S))
        self._frames = 0
        self._left = 0.0
        self._right = 0.0

    def feed_array(self, left: np.ndarray, right: np.ndarray) -> None:
        if len(left):
            self._left = max(self._left, float(np.abs(left).max()))
            self._right = max(self._right, float(np.abs(right).max()))
        self._frames += len(left)
        if self._frames >= self.window_frames:
            self.position.write_levels(self._left, self._right)
            self._frames = 0
            self._left = self._right = 0.0

    def feed(self, address: int, frames: int) -> None:
        """Interleaved stereo float32 frames just rendered at ``address`` (rendering thread)."""
        samples = np.ctypeslib.as_array((ctypes.c_float * (2 * frames)).from_address(address))
        self.feed_array(samples[0::2], samples[1::2])


def run_jack_meter(position_name: str, server: str | None, source_regex: str) -> None:
    """The JACK meter helper process (see the module docstring); ends when its standard
    input closes: the engine closed it, or the engine died."""
    from multiprocessing import resource_tracker

    import jack

    position = PositionBlock.attach(position_name)
    # Attaching registered the block with this process's resource tracker, which would
    # remove it from the system when we exit; it belongs to the GUI's engine client.
    # (It knows a POSIX block by its name with the leading slash.)
    resource_tracker.unregister("/" + position.name, "shared_memory")
    client = jack.Client("pianola-meter", servername=server, no_start_server=True)
    ins = [client.inports.register(f"in_{side}") for side in ("left", "right")]
    window = LevelWindow(position, client.samplerate)

    @client.set_process_callback
    def process(_frames):
        window.feed_array(ins[0].get_array(), ins[1].get_array())

    client.activate()
    try:
        sources = client.get_ports(source_regex, is_output=True, is_audio=True)[:2]
        for source, port in zip(sources, ins):
            client.connect(source, port)
        sys.stdin.read()  # returns at end of file
    finally:
        # Seen on a loaded machine after the engine was killed: close() waiting for a
        # JACK server busy removing the dead synth, and the server in turn held up new
        # clients (a restarted engine) behind this one.  The helper has nothing to save,
        # so if leaving JACK politely takes longer than a moment it just ends; the server
        # drops a client whose socket closes.
        threading.Timer(LEAVE_JACK_S, os._exit, args=(0,)).start()
        client.deactivate()
        client.close()
        position.close(unlink=False)
        os._exit(0)


class JackMeter:
    """The helper process, started and stopped by the engine.

    A plain subprocess: the engine process is a daemonic multiprocessing child, which may
    not start children of its own through multiprocessing.
    """

    def __init__(self, position_name: str, server: str | None, source_regex: str = r"^pianola:"):
        self._args = [
            sys.executable,
            "-m",
            "engine.realtime.level_meter",
            position_name,
            server or "",
            source_regex,
        ]
        self._process: subprocess.Popen | None = None

    def start(self) -> JackMeter:
        self._process = subprocess.Popen(
            self._args, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        return self

    def close(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        try:
            if process.stdin is not None:
                process.stdin.close()
            process.wait(2.0)
        except (OSError, subprocess.TimeoutExpired):
            process.kill()
            process.wait(1.0)


class LoadPublisher:
    """FluidSynth's CPU load into the position block, at most a few times a second."""

    def __init__(self, position: PositionBlock, load, every_s: float = 0.25):
        self.position = position
        self.load = load
        self.every_s = every_s
        self._next = 0.0
        self._lock = threading.Lock()

    def publish(self, now: float) -> None:
        if now >= self._next:
            self._next = now + self.every_s
            self.position.write_load(float(self.load()))


if __name__ == "__main__":
    run_jack_meter(sys.argv[1], sys.argv[2] or None, sys.argv[3])
