"""The JACK MIDI helper process (main thread: lifetime; JACK's process thread: the copy).

Run as ``python -m engine.midi.jack_helper OUT_RING IN_RING CLIENT SERVER [DEST...]``
by ``engine.midi.jack_port.JackMidiPort``.  It opens one JACK client with a MIDI output
port ``out`` (and an input port ``in`` when IN_RING is not ``-``).  Its process callback
only copies: events from the output ring whose frame falls in the cycle are written at
their frame offset (sample-accurate), events from the input port go to the input ring
stamped with ``last_frame_time + offset``.  No other Python thread of this process runs
while JACK runs: the main thread sleeps in a read of its standard input (a pipe from the
owner, GIL released) until the owner closes it or ends.  A main thread that woke to poll
would hold the GIL now and then, and whenever the machine preempted it there, the
realtime process callback waited for it and JACK ran the cycle without the helper: the
input events of that cycle were lost and the output events written late.

It remembers each note it started (channel, key) until its note-off went out, so when the
owner asks it to stop -- or the owner process is gone -- it ends every such note, lifts
the sustain pedal and resets pitch bend before it closes: no note is left hanging on
whatever listens, even when the engine is killed.
"""

from __future__ import annotations

import bisect
import gc
import os
import sys
import time

from engine.midi import event_ring as r


class _Copier:
    """The state the process callback works on (pending events in frame order)."""

    def __init__(self, client, out_ring: r.EventRing, in_ring: r.EventRing | None):
        self.client = client
        self.out_ring = out_ring
        self.in_ring = in_ring
        self.outport = client.midi_outports.register("out")
        self.inport = client.midi_inports.register("in") if in_ring is not None else None
        self.pending: list[tuple[int, int, int, bytes]] = []  # (frame, seq, tag, data)
        self.seq = 0
        self.sounding: dict[tuple[int, int], int] = {}  # (channel, key) -> note-ons open
        self.release = False
        self.released = False
        self.echo: list[bytes] = []  # the last releases, written once more in the next cycle
        self.high = 0  # the upper bits of the unwrapped frame time
        self.last_frame: int | None = None

    def unwrap(self, frame32: int) -> int:
        frame = self.high | frame32
        if self.last_frame is not None and frame < self.last_frame - (1 << 31):
            self.high += 1 << 32
            frame += 1 << 32
        self.last_frame = frame
        return frame

    def process(self, frames: int) -> None:
        woken_ns = time.monotonic_ns()
        items = self.out_ring.items
        start = self.unwrap(self.client.last_frame_time)
        end = start + frames
        previous = items[r.CYCLE_FRAME]
        expected = previous + items[r.CYCLE_FRAMES]
        if items[r.CYCLES] and start != expected:
            items[r.GAPS] += 1
            if self.in_ring is not None and start > expected:
                self.in_ring.put(r.GAP, expected, start)
        items[r.CYCLE_FRAME] = start
        items[r.CYCLE_NS] = woken_ns
        items[r.CYCLE_FRAMES] = frames
        items[r.CYCLES] += 1
        for kind, frame, tag, data in self.out_ring.take():
            if kind == r.EVENT:
                self.seq += 1
                bisect.insort(self.pending, (frame, self.seq, tag, data))
            elif kind == r.CANCEL_TAG:
                self.pending = [e for e in self.pending if e[2] != tag]
            elif kind == r.CANCEL_ALL:
                self.pending.clear()
            elif kind == r.RELEASE:  # what was queued before it is withdrawn, not after
                self.pending.clear()
                self.release = True
        port = self.outport
        port.clear_buffer()
        if self.echo:  # a listener that missed the last cycle still hears them
            for data in self.echo:
                port.write_midi_event(0, data)
            self.echo = []
        if self.release:
            self._release_all(port)
        pending = self.pending
        n = 0
        while n < len(pending) and pending[n][0] < end:
            frame, _, _, data = pending[n]
            offset = frame - start
            if offset < 0:
                items[r.LATE] += 1
                items[r.WORST_LATE] = max(items[r.WORST_LATE], -offset)
                offset = 0
            try:
                port.write_midi_event(offset, data)
            except Exception:  # the port buffer is full: the rest go in the next cycle
                break
            self._track(data)
            items[r.WRITTEN] += 1
            n += 1
        if n:
            del pending[:n]
        if self.inport is not None and self.in_ring is not None:
            for offset, data in self.inport.incoming_midi_events():
                if len(data) <= r.MAX_EVENT_BYTES:
                    self.in_ring.put(r.EVENT, start + offset, 0, bytes(data))

    def _track(self, data: bytes) -> None:
        if len(data) != 3:
            return
        status = data[0] & 0xF0
        key = (data[0] & 0x0F, data[1])
        if status == 0x90 and data[2] > 0:
            self.sounding[key] = self.sounding.get(key, 0) + 1
        elif status == 0x80 or status == 0x90:
            left = self.sounding.get(key, 0) - 1
            if left > 0:
                self.sounding[key] = left
            else:
                self.sounding.pop(key, None)

    def _release_all(self, port) -> None:
        channels = {channel for channel, _ in self.sounding}
        out = [bytes((0x80 | channel, key, 0)) for channel, key in self.sounding]
        for channel in channels:
            out.append(bytes((0xB0 | channel, 64, 0)))  # sustain up
            out.append(bytes((0xE0 | channel, 0, 64)))  # pitch bend centre
        for data in out:
            port.write_midi_event(0, data)
        self.echo = out
        self.sounding.clear()
        self.release = False
        self.released = True


def wait_for_owner() -> None:
    """Block, holding no GIL, until the owner closes our standard input or ends (EOF)."""
    while True:
        try:
            if not os.read(0, 64):
                return
        except InterruptedError:
            continue
        except OSError:  # no standard input at all: nothing to wait on
            return


def main(argv: list[str]) -> int:
    import jack

    out_name, in_name, client_name, server = argv[:4]
    destinations = argv[4:]
    out_ring = r.EventRing.attach(out_name)
    in_ring = r.EventRing.attach(in_name) if in_name != "-" else None
    # the process that started us (told, not asked: it may have ended before we ask)
    owner = int(os.environ.get("PIANOLA_HELPER_OWNER", os.getppid()))
    try:
        client = jack.Client(
            client_name, no_start_server=True, servername=None if server == "-" else server
        )
    except jack.JackError as exc:
        print(f"no JACK server answers ({exc})", file=sys.stderr, flush=True)
        out_ring.items[r.STATE] = r.ENDED
        return 1
    copier = _Copier(client, out_ring, in_ring)
    client.set_process_callback(copier.process)
    gc.disable()  # a collection in the process callback would be a late cycle
    client.activate()
    for dest in destinations:
        try:
            client.connect(copier.outport, dest)
        except jack.JackError as exc:
            print(f"cannot connect to {dest} ({exc})", file=sys.stderr, flush=True)
    out_ring.items[r.STATE] = r.RUNNING
    if os.getppid() == owner:  # else it ended before we started: its pipe may be anyone's
        wait_for_owner()
    # End every note this port started: in the next cycle, then close.
    copier.release = True
    deadline = time.monotonic() + 1.0
    while not copier.released and time.monotonic() < deadline:
        time.sleep(0.005)
    time.sleep(0.05)  # two more cycles: the releases and their echo reach the readers
    client.deactivate()
    client.close()
    out_ring.items[r.STATE] = r.ENDED
    out_ring.close()
    if in_ring is not None:
        in_ring.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
