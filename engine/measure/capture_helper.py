"""The audio recorder's JACK client (main thread: set-up and lifetime; JACK's process
thread: the copy), a process of its own started by ``engine.measure.capture.Recorder``.

Run as ``python -m engine.measure.capture_helper BLOCK CLIENT SERVER CHANNELS PERIODS
PERIOD_FRAMES PATTERN WAIT_S``.  It opens the shared block the recorder made (a header of counters, the JACK
frame time of every period, the samples), registers ``CHANNELS`` audio inputs, connects
them to the first output ports matching ``PATTERN``, prints one JSON line (the ports it
connected, or why it could not) and then sleeps in a read of its standard input until
the recorder closes it or ends.

Why a process: a JACK process callback in the caller's process waits for the GIL whenever
one of the caller's threads holds it, and a thread preempted by a busy machine while
holding it makes the callback run a period or more late -- reading the *next* cycle's
frame time for samples of this one, so the recording's clock slips by whole periods.
Here no other Python thread runs while JACK does.
"""

from __future__ import annotations

import gc
import json
import re
import sys
import time
from multiprocessing import resource_tracker, shared_memory

import numpy as np

from engine.midi.jack_helper import wait_for_owner

# Header items (int64) of the shared block.
COUNT = 0  # periods stored; written last by the process callback
CYCLES = 1  # process callbacks run (so stop() knows a copy has finished)
ARMED = 2  # set by the recorder: keep samples from the next period on
OVERFLOWED = 3  # a period came when the block was full
BAD_BLOCKSIZE = 4  # a period of another size came
XRUNS = 5  # xruns JACK reported to this client
HEADER_ITEMS = 8


def block_size(channels: int, max_periods: int, period_frames: int) -> int:
    """Bytes of the shared block: header, one int64 frame time per period, samples."""
    return 8 * (HEADER_ITEMS + max_periods) + 4 * channels * max_periods * period_frames


def views(buf, channels: int, max_periods: int, period_frames: int):
    """(header, frame times, samples ``[channels, frames]``) over the shared block."""
    header = np.ndarray((HEADER_ITEMS,), np.int64, buf, 0)
    times = np.ndarray((max_periods,), np.int64, buf, 8 * HEADER_ITEMS)
    samples = np.ndarray(
        (channels, max_periods * period_frames),
        np.float32,
        buf,
        8 * (HEADER_ITEMS + max_periods),
    )
    return header, times, samples


class _Copier:
    def __init__(self, client, ports, header, times, samples):
        self.client = client
        self.ports = ports
        self.header = header
        self.times = times
        self.samples = samples
        self.period_frames = samples.shape[1] // len(times)

    def process(self, frames: int) -> None:
        header = self.header
        header[CYCLES] += 1
        if not header[ARMED]:
            return
        k = int(header[COUNT])
        if k >= len(self.times):
            header[OVERFLOWED] = 1
            return
        if frames != self.period_frames:
            header[BAD_BLOCKSIZE] = 1
            return
        start = k * frames
        for c, port in enumerate(self.ports):
            self.samples[c, start : start + frames] = port.get_array()
        self.times[k] = self.client.last_frame_time
        header[COUNT] = k + 1  # published last: a reader never sees a half-copied period

    def xrun(self, delay_us: float) -> None:
        self.header[XRUNS] += 1


def _connect(client, ports, pattern: str, wait_s: float) -> list[str]:
    regex = re.compile(pattern)
    deadline = time.monotonic() + wait_s
    while True:
        names = sorted(
            p.name
            for p in client.get_ports(is_audio=True, is_output=True)
            if regex.search(p.name) and not p.name.startswith(client.name + ":")
        )
        if len(names) >= len(ports) or time.monotonic() > deadline:
            break
        time.sleep(0.02)
    if len(names) < len(ports):
        raise LookupError(
            f"cannot record: found {len(names)} JACK output ports matching {pattern!r}, "
            f"need {len(ports)}."
        )
    for port, name in zip(ports, names):
        client.connect(name, port)
    return names[: len(ports)]


def main(argv: list[str]) -> int:
    import jack

    block_name, client_name, server, channels_text, periods_text, period_text = argv[:6]
    pattern, wait_text = argv[6:8]
    channels, max_periods, period_frames = int(channels_text), int(periods_text), int(period_text)
    shm = shared_memory.SharedMemory(name=block_name)
    try:  # the recorder removes the block; our resource tracker must not (Python < 3.13)
        resource_tracker.unregister(shm._name, "shared_memory")  # type: ignore[attr-defined]
    except (AttributeError, KeyError):
        pass
    try:
        client = jack.Client(
            client_name, no_start_server=True, servername=None if server == "-" else server
        )
    except jack.JackError as exc:
        print(json.dumps({"error": f"no JACK server answers ({exc})"}), flush=True)
        shm.close()
        return 1
    header, times, samples = views(shm.buf, channels, max_periods, period_frames)
    ports = [client.inports.register(f"in_{c + 1}") for c in range(channels)]
    copier = _Copier(client, ports, header, times, samples)
    client.set_process_callback(copier.process)
    client.set_xrun_callback(copier.xrun)
    gc.disable()  # a collection in the process callback would be a late cycle
    client.activate()
    try:
        connected = _connect(client, ports, pattern, float(wait_text))
    except (LookupError, jack.JackError) as exc:
        print(json.dumps({"error": str(exc)}), flush=True)
    else:
        print(json.dumps({"connected": connected}), flush=True)
        wait_for_owner()
    client.deactivate()
    client.close()
    del header, times, samples, copier
    shm.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
