"""`pianola bench midi`'s keyboard -> sound latency: notes sent into Pianola's MIDI input
at chosen JACK frames, found again as onsets in the synth's output (CLI process; the
sending and the recording each run in a process of their own).

Neither measuring client shares a process with anything that holds the GIL for long:
the notes go out through a JACK MIDI helper (``engine.midi.jack_port``), written at their
frame offsets in their cycles, and the synth's output is recorded by a child process
whose main thread only waits on its standard input while JACK runs (``python -m
engine.bench.keyboard_latency SERVER SECONDS GAP``): its process callback never waits
for another thread of its own.  Cycles either of them was not run in are counted and
shown beside the figures: a note in one was not sent, or its onset not heard, on time.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from dataclasses import dataclass

from engine.core.score import DRUM_BANK, Note, Score, Track

RIM = 37
KEYS_CLIENT = "bench-keys"
READY_TIMEOUT_S = 60.0


@dataclass(frozen=True, slots=True)
class KeyboardLatency:
    """Frames from each note sent to its onset (``latencies``, one per note heard), how
    many notes were sent, and the cycles the measuring clients lost: notes the sender
    wrote late, periods the recorder did not get."""

    latencies: tuple[int, ...]
    sent: int
    sender_late: int
    recorder_gaps: int

    def __post_init__(self) -> None:
        if self.sent < len(self.latencies):
            raise ValueError(f"{len(self.latencies)} notes heard of {self.sent} sent")
        if min(self.sender_late, self.recorder_gaps) < 0:
            raise ValueError(
                f"lost cycles cannot be negative: {self.sender_late}, {self.recorder_gaps}"
            )

    @property
    def clean(self) -> bool:
        return not self.sender_late and not self.recorder_gaps


def record_onsets(server: str, seconds: float, min_gap_frames: int) -> None:
    """The recorder process: record the synth's output from "ready" until a line comes on
    standard input, then print its onsets' JACK frames and lost periods as JSON."""
    from engine.measure.capture import Recorder
    from engine.measure.onsets import find_onsets, suggest_threshold

    with Recorder(r"^pianola:", channels=2, server_name=server, max_seconds=seconds) as rec:
        rec.start()
        print("ready", flush=True)
        sys.stdin.readline()  # the GIL is let go while this waits
        recording = rec.stop()
    magnitude = recording.magnitude()
    onsets = recording.jack_frames(
        find_onsets(magnitude, suggest_threshold(magnitude), min_gap_frames=min_gap_frames)
    )
    print(json.dumps({"onsets": [int(f) for f in onsets], "gaps": recording.gaps}), flush=True)


def _wait_connected(server: str, port: str, timeout_s: float = 30) -> None:
    import jack

    probe = jack.Client("bench-keys-probe", no_start_server=True, servername=server)
    try:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not probe.get_all_connections(port):
            time.sleep(0.05)
    finally:
        probe.close()


def keyboard_latency(server: str, rate: int, notes: int) -> KeyboardLatency:
    """Send ``notes`` rim shots into Pianola's MIDI input, played through a drum track, and
    measure how many frames after each its onset comes (both clocks are JACK's)."""
    from engine.core.audio_settings import AudioSettings
    from engine.core.protocol import commands as cmd
    from engine.files.soundfonts import BUNDLED_SOUNDFONT
    from engine.midi.jack_port import JackMidiPort
    from engine.realtime.client import EngineClient

    settings = AudioSettings(
        driver="jack",
        jack_server=server,
        sample_rate=rate,
        reverb=False,
        chorus=False,
        soundfont=str(BUNDLED_SOUNDFONT),
    )
    kit = Track("Drums", channel=9, bank=DRUM_BANK, is_drum=True, notes=(Note(0, 10, RIM),))
    spacing = rate // 4
    client = EngineClient(settings)
    client.start()
    try:
        client.wait_ready(60)
        client.load_score(Score(tracks=(kit,)))
        with JackMidiPort(KEYS_CLIENT, server=server) as keys:
            client.send(cmd.SetMidiInputCommand(f"{KEYS_CLIENT}:out", 0))
            _wait_connected(server, f"{KEYS_CLIENT}:out")
            recorder = subprocess.Popen(
                [sys.executable, "-m", "engine.bench.keyboard_latency", server]
                + [str(notes / 4 + 10), str(spacing // 2)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
            try:
                if recorder.stdout is None or recorder.stdin is None:
                    raise RuntimeError("the recorder's pipes did not open")
                if recorder.stdout.readline().strip() != "ready":
                    raise RuntimeError("the recorder process did not start")
                first = keys.cycle_frame() + rate // 2
                sent = [first + i * spacing for i in range(notes)]
                for frame in sent:
                    keys.send(frame, bytes((0x99, RIM, 110)))
                    keys.send(frame + spacing // 2, bytes((0x89, RIM, 0)))
                deadline = time.monotonic() + notes / 4 + 30
                while keys.cycle_frame() < sent[-1] + rate // 2 and time.monotonic() < deadline:
                    time.sleep(0.05)
                late = keys.counters()["late"]
                recorder.stdin.write("\n")
                recorder.stdin.flush()
                heard = json.loads(recorder.stdout.readline())
            finally:
                if recorder.stdin is not None:
                    recorder.stdin.close()  # an early end: the recorder stops at end of file
                try:
                    recorder.wait(60)
                except subprocess.TimeoutExpired:
                    recorder.kill()
                    recorder.wait()
    finally:
        client.close()
    latencies = []
    onsets = heard["onsets"]
    for frame in sent:
        after = [f for f in onsets if frame <= f < frame + spacing // 2]
        if after:
            latencies.append(after[0] - frame)
    return KeyboardLatency(tuple(latencies), len(sent), late, heard["gaps"])


if __name__ == "__main__":
    record_onsets(sys.argv[1], float(sys.argv[2]), int(sys.argv[3]))
