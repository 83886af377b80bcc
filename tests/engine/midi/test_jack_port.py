"""The sample-accurate JACK MIDI port, heard by a JACK MIDI client of the test's own on the
private dummy JACK server."""

from __future__ import annotations

import os
import signal
import time

import pytest

from engine.core.errors import MidiPortError
from engine.measure.jackserver import realtime_allowed
from engine.measure.midi_capture import MidiRecorder, sounding_notes
from engine.midi.jack_port import JackMidiPort

pytestmark = pytest.mark.audio


@pytest.fixture
def recorder(jack_server):
    with MidiRecorder(f"rec-{os.getpid()}", server=jack_server) as rec:
        yield rec


def _wait_cycles(port: JackMidiPort, count: int = 2) -> None:
    start = port.counters()["cycles"]
    deadline = time.monotonic() + 20
    while port.counters()["cycles"] < start + count and time.monotonic() < deadline:
        time.sleep(0.005)


def _wait_recorder_cycles(recorder, count: int = 2) -> None:
    """Until the recorder's own client has run ``count`` more cycles: on a busy machine
    a client just activated (or just connected) may not run for a while."""
    start = recorder.frame_now()
    deadline = time.monotonic() + 20
    while recorder.frame_now() < start + count * recorder.period_frames:
        assert time.monotonic() < deadline, "the recorder's JACK client never ran"
        time.sleep(0.005)


def test_events_land_on_their_frames(jack_server, recorder):
    with JackMidiPort(
        "pianola-test-out", server=jack_server, connect_to=(f"{recorder.name}:in",)
    ) as port:
        _wait_cycles(port)
        first = port.cycle_frame() + 48000 // 5  # 200 ms ahead: queued long before its cycle
        due = []
        for i in range(40):
            frame = first + i * 997  # offsets all over the period
            on = bytes((0x90 | i % 16, 40 + i, 100))
            off = bytes((0x80 | i % 16, 40 + i, 0))
            port.send(frame, on)
            port.send(frame + 500, off)
            due += [(frame, on), (frame + 500, off)]
        got = recorder.wait_for(len(due), timeout_s=10)
        counters = port.counters()
    # Every event arrives exactly on its frame, unless the helper wrote it late (it counts
    # each such event) or it was due in a cycle the recorder itself was not run in (a busy
    # machine's dummy server drops cycles): that one is lost or copied, and stamped, late.
    missed = recorder.missed
    heard = [d for d in sorted(due) if recorder.heard(d[0])]
    due_at = {data: frame for frame, data in due}
    received = [data for _, data in got]
    assert len(received) == len(set(received)) and set(received) <= set(due_at), got
    assert {d for _, d in heard} <= set(received), (missed, counters)
    misses = [(f, d) for f, d in got if f != due_at[d] and recorder.heard(due_at[d])]
    assert len(misses) <= counters["late"], (misses, counters)
    assert all(f > due_at[d] for f, d in got if not recorder.heard(due_at[d])), (got, missed)
    if len(heard) == len(due):
        assert sounding_notes(got) == {}
    assert counters["written"] == len(due) and counters["dropped"] == 0


def test_events_due_in_a_passed_cycle_all_go_out_late_in_order(jack_server, recorder):
    """However late they are queued -- and more than one cycle's buffer holds -- every
    event goes out, at the start of the next cycle, counted late, in the order due."""
    with JackMidiPort(
        "pianola-test-out", server=jack_server, connect_to=(f"{recorder.name}:in",)
    ) as port:
        _wait_cycles(port)
        _wait_recorder_cycles(recorder)
        past = port.cycle_frame() - 48000  # a second ago: its cycles have all passed
        due = []
        for i in range(300):
            key = 30 + i % 60
            data = bytes((0x90 | i % 16, key, 100) if i % 120 < 60 else (0x80 | i % 16, key, 0))
            port.send(past + i, data)
            due.append(data)
        deadline = time.monotonic() + 20
        while port.counters()["written"] < len(due) and time.monotonic() < deadline:
            time.sleep(0.01)
        _wait_recorder_cycles(recorder)
        counters = port.counters()
        heard = [data for _, data in recorder.events()]  # (closing adds its releases)
    assert counters["written"] == len(due) and counters["dropped"] == 0, counters
    assert counters["late"] == len(due), counters
    if not recorder.missed:  # (a cycle the server did not run the recorder in is unheard)
        assert heard == due
    else:  # what was heard came in the order due
        it = iter(due)
        assert all(any(d == h for d in it) for h in heard), (heard, recorder.missed)


def test_withdrawn_events_are_never_written(jack_server, recorder):
    with JackMidiPort(
        "pianola-test-out", server=jack_server, connect_to=(f"{recorder.name}:in",)
    ) as port:
        _wait_cycles(port)
        first = port.cycle_frame() + 48000 // 2
        port.send(first + 30, b"\x90\x41\x64", tag=3)
        port.send(first + 40, b"\x90\x43\x64", tag=3)
        port.cancel_all()
        port.send(first, b"\x90\x3c\x64", tag=1)
        port.send(first + 10, b"\x90\x3e\x64", tag=2)
        port.send(first + 20, b"\x90\x40\x64", tag=1)
        port.cancel_tag(1)
        port.send(first + 50, b"\x80\x3e\x00", tag=4)
        got = recorder.wait_for(2, timeout_s=5)
        time.sleep(0.2)
        got = recorder.events()
    assert [data for _, data in got] == [b"\x90\x3e\x64", b"\x80\x3e\x00"]


def test_closing_ends_every_note_the_port_started(jack_server, recorder):
    port = JackMidiPort("pianola-test-out", server=jack_server, connect_to=(f"{recorder.name}:in",))
    with port:
        _wait_cycles(port)
        now = port.cycle_frame() + 2 * port.cycle_frames()
        port.send(now, b"\x90\x3c\x64")
        port.send(now, b"\x91\x40\x64")
        port.send(now + 48000 * 10, b"\x80\x3c\x00")  # long after the port closes
        recorder.wait_for(2, timeout_s=5)
        assert sounding_notes(recorder.events()) == {(0, 60): 1, (1, 64): 1}
    got = recorder.events()
    assert sounding_notes(got) == {}
    assert b"\xb0\x40\x00" in [data for _, data in got]  # sustain lifted too


def test_a_killed_owner_leaves_no_note_hanging(jack_server, recorder, tmp_path):
    """The helper outlives an owner killed with SIGKILL just long enough to end its notes."""
    import subprocess
    import sys

    script = tmp_path / "owner.py"
    script.write_text(
        "import sys, time\n"
        "from engine.midi.jack_port import JackMidiPort\n"
        f"port = JackMidiPort('pianola-owner', server={jack_server!r},"
        f" connect_to=({recorder.name + ':in'!r},)).open()\n"
        "f = port.cycle_frame() + 2 * port.cycle_frames()\n"
        "port.send(f, bytes((0x92, 50, 90)))\n"
        "print('sent', flush=True)\n"
        "time.sleep(60)\n"
    )
    owner = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout.readline().strip() == "sent"
        recorder.wait_for(1, timeout_s=30)
        assert sounding_notes(recorder.events()) == {(2, 50): 1}
        os.kill(owner.pid, signal.SIGKILL)
        owner.wait()
        deadline = time.monotonic() + 30
        while sounding_notes(recorder.events()) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        if owner.poll() is None:
            owner.kill()
            owner.wait()
        # The recorder closes only after the helper has left the server: libjack keeps one
        # table of the clients' wake-up futexes per process, and an entry still open when
        # this process's last client closes stays mapped, stale, for the next client that
        # takes the same number -- which then never wakes (the next test's port heard
        # nothing).
        deadline = time.monotonic() + 30
        while recorder.client.get_ports("pianola-owner") and time.monotonic() < deadline:
            time.sleep(0.05)
    assert sounding_notes(recorder.events()) == {}


def _futexes_mapped_here() -> list[str]:
    """The JACK clients' wake-up futexes this process has mapped ("(deleted)": its client
    is gone): libjack signals the next client in the graph through these."""
    try:
        with open(f"/proc/{os.getpid()}/maps") as maps:
            lines = maps.read().splitlines()
    except OSError:
        return []
    return sorted({line.split(None, 5)[-1] for line in lines if "jack_sem." in line})


def test_input_events_are_stamped_with_their_frames(jack_server, recorder):
    with JackMidiPort("pianola-test-io", server=jack_server, with_input=True) as port:
        recorder.connect_to("pianola-test-io:in")
        _wait_cycles(port)
        _wait_recorder_cycles(recorder)  # so the frames below are now's, not a stale cycle's
        cycles_then = port.counters()["cycles"]
        first = recorder.frame_now() + 48000 // 10
        sent = [(first + i * 333, bytes((0x90, 60 + i, 80))) for i in range(10)]
        for frame, data in sent:
            recorder.send_at(frame, data)
        deadline = time.monotonic() + 20
        got: list[tuple[int, bytes]] = []
        while len(got) < len(sent) and time.monotonic() < deadline:
            got += port.received()
            time.sleep(0.01)
        counters = port.counters()
        said = port.helper_output()
        graph = recorder.client.get_all_connections(recorder.outport)
        futexes = _futexes_mapped_here()
    # The helper's realtime callback never waits for its own main thread, so it runs
    # every cycle and hears every event, however busy the machine is.  (Without realtime
    # scheduling the machine may keep it from a cycle, and that cycle's input is lost.)
    if counters["gaps"] and not realtime_allowed():
        sent = [s for s in sent if s[1] in {d for _, d in got}]
    assert counters["gaps"] == 0 or not realtime_allowed(), counters
    assert [d for _, d in got] == [d for _, d in sent], (
        f"missed {recorder.missed}; helper {counters}; recorder at {recorder.frame_now()}, "
        f"first due {first}; helper cycles when sent {cycles_then}; recorder's out goes to {[p.name for p in graph]}; "
        f"helper said {said!r}; futexes mapped here {futexes}"
    )
    # Each is stamped with the frame it was sent at, exactly.  The test's own client (in
    # this busy pytest process) may miss the cycle an event is due in: it then sends it
    # at the start of the next cycle it runs, and that later frame is the one stamped.
    for (got_frame, _), (due_frame, _) in zip(got, sent):
        if recorder.heard(due_frame):
            assert got_frame == due_frame, (got, sent, recorder.missed)
        else:
            assert got_frame > due_frame, (got, sent, recorder.missed)


def test_no_server_is_one_clear_sentence():
    with pytest.raises(MidiPortError, match=r"^The JACK MIDI port could not be opened"):
        JackMidiPort("pianola-test-out", server="pianola-no-such-server").open()


def test_a_helper_whose_owner_ended_before_it_started_ends_too(jack_server):
    """The owner may die while its helper is still starting: the helper is told the
    owner's pid rather than asking for its parent (by then already someone else)."""
    import subprocess
    import sys

    from engine.midi import event_ring as r

    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    ring = r.EventRing.create(64)
    try:
        env = dict(os.environ, PIANOLA_HELPER_OWNER=gone.stdout.strip())
        helper = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "engine.midi.jack_helper",
                ring.name,
                "-",
                "pianola-test-orphan",
                jack_server,
            ],
            env=env,
        )
        try:
            assert helper.wait(timeout=30) == 0
        finally:
            if helper.poll() is None:
                helper.kill()
                helper.wait()
    finally:
        ring.close()
