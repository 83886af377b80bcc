"""`pianola bench cpu`: its song and its per-thread reading of /proc (pure + this process)."""

from __future__ import annotations

import os
import threading
import time

from engine.bench.cpu import BAR, SIXTEENTH, sixteen_track_score, thread_cpu_s


def test_the_song_has_a_note_on_every_sixteenth_of_all_16_tracks():
    score = sixteen_track_score(120.0, bars=4)
    assert len(score.tracks) == 16 and score.loop_enabled
    assert score.loop.end_tick == 4 * BAR
    for track in score.tracks:
        assert {n.start_tick for n in track.notes} == set(range(0, 4 * BAR, SIXTEENTH))
    assert sum(t.is_drum for t in score.tracks) == 8
    assert {t.program for t in score.tracks if not t.is_drum} >= {0, 33, 80, 89}


def test_thread_cpu_is_read_per_thread_with_its_name():
    burned, done = threading.Event(), threading.Event()

    def burn():
        from engine.realtime.priority import name_os_thread

        name_os_thread("cpu-test-burn")
        end = time.thread_time() + 0.2  # CPU time of this thread, however busy the machine
        while time.thread_time() < end:
            pass
        burned.set()
        done.wait(600)

    worker = threading.Thread(target=burn)
    worker.start()
    try:
        assert burned.wait(600)
        threads = thread_cpu_s(os.getpid())
    finally:
        done.set()
        worker.join()
    assert threading.get_native_id() in threads
    burned = [cpu for name, cpu in threads.values() if name == "cpu-test-burn"]
    assert len(burned) == 1 and burned[0] >= 0.15
