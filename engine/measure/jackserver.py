"""Start and stop a private JACK server with the dummy backend (runs in the caller's thread).

Used by the test suite, the benchmarks and `pianola doctor`: the dummy backend needs no
sound card, so everything Pianola does over JACK can run and be measured on a headless
machine.  Only ``subprocess`` is used here; nothing JACK-specific is imported.
"""

from __future__ import annotations

import collections
import os
import resource
import shutil
import struct
import subprocess
import threading
import time
from dataclasses import dataclass, field

from engine.audio.drivers import server_answers
from engine.core.errors import AudioDriverError
from engine.files.processes import process_is_running


def realtime_allowed() -> bool:
    """True when this process may ask for SCHED_FIFO (root, or an rtprio limit), so a
    server it starts with ``realtime=True`` really runs its cycles at realtime priority."""
    soft, _ = resource.getrlimit(resource.RLIMIT_RTPRIO)
    return os.geteuid() == 0 or soft > 0


@dataclass
class DummyJackServer:
    """A ``jackd -d dummy`` server named ``name``; use as a context manager."""

    name: str
    sample_rate: int = 48000
    period_frames: int = 256
    realtime: bool = False
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    # jackd's last lines, read as it writes them: a pipe nobody empties fills up (64 KiB
    # of xrun reports on a busy machine) and then jackd blocks in the middle of serving a
    # client, which every later client sees as "no server"
    _log: collections.deque = field(
        default_factory=lambda: collections.deque(maxlen=200), init=False, repr=False
    )
    _reader: threading.Thread | None = field(default=None, init=False, repr=False)
    # stop() may be called from a watchdog timer's thread while the owner stops too:
    # whoever takes the process handle first ends the server, the other finds nothing
    _lock: threading.Lock = field(
        default_factory=threading.Lock, init=False, repr=False, compare=False
    )

    def start(self, timeout_s: float = 60.0, slot_wait_s: float = 900.0) -> DummyJackServer:
        """Start the server; waits up to ``slot_wait_s`` for a free place in JACK's
        machine-wide registry (8 servers) when other programs hold every one."""
        jackd = shutil.which("jackd")
        if jackd is None:
            raise AudioDriverError("jackd is not installed (Debian package jackd2).")
        cmd = [
            jackd,
            "--no-realtime" if not self.realtime else "--realtime",
            "-n",
            self.name,
            "-d",
            "dummy",
            "-r",
            str(self.sample_rate),
            "-p",
            str(self.period_frames),
        ]
        env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
        slot_deadline = time.monotonic() + slot_wait_s
        while True:
            self._wait_for_a_registry_place(slot_deadline)
            proc = subprocess.Popen(
                cmd,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=env,
            )
            self._log.clear()
            self._reader = threading.Thread(
                target=_keep_lines, args=(proc.stdout, self._log), daemon=True
            )
            self._reader.start()
            with self._lock:
                self._proc = proc
            deadline = time.monotonic() + timeout_s
            while time.monotonic() < deadline and proc.poll() is None:
                # a busy machine is slow to start the probe: a slow answer is no "no"
                if server_answers(self.name, timeout_s=max(1.0, deadline - time.monotonic())):
                    return self
                time.sleep(0.05)
            if proc.poll() is None:
                self.stop()
                raise AudioDriverError(
                    f"the dummy JACK server {self.name!r} did not answer in time."
                )
            self._take()
            out = self._output()
            # Another program may have taken the last place between our look and our
            # start: wait for the next one while there is time.
            if "open server" not in out or time.monotonic() >= slot_deadline:
                raise AudioDriverError(
                    f"the dummy JACK server {self.name!r} exited at start: {out.strip()[-300:]}"
                )

    @staticmethod
    def _wait_for_a_registry_place(slot_deadline: float) -> None:
        if not free_registry_slots():
            reclaim_stale_servers()
        while not free_registry_slots() and time.monotonic() < slot_deadline:
            time.sleep(0.5)  # live servers of other programs: one of them will end
            reclaim_stale_servers()

    def _take(self) -> subprocess.Popen | None:
        """The server's process, no longer this object's: only one caller ends it."""
        with self._lock:
            proc, self._proc = self._proc, None
        return proc

    def _output(self) -> str:
        """What jackd wrote, once it has ended (its last lines)."""
        reader = self._reader
        if reader is not None:
            reader.join(timeout=2.0)
        return "\n".join(self._log)

    def stop(self) -> None:
        """End the server cleanly (SIGTERM, SIGKILL if it hangs); safe to call from more
        than one thread and more than once."""
        proc = self._take()
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                # jackd can hang in shutdown on a client that was SIGKILLed (tests do).
                proc.kill()
                proc.wait()
                _restart_briefly(proc.args)

    def kill(self, reclaim: bool = True) -> None:
        """End the server as a crash would (SIGKILL): its clients see it vanish.  With
        ``reclaim`` its registry entry is freed at once (by starting and stopping a server
        of the same name); without, a later ``start()`` of this server frees it."""
        proc = self._take()
        if proc is None:
            return
        proc.kill()
        proc.wait()
        if reclaim:
            _restart_briefly(proc.args)

    @property
    def running(self) -> bool:
        proc = self._proc  # read once: another thread may be stopping it
        return proc is not None and proc.poll() is None

    def __enter__(self) -> DummyJackServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _keep_lines(stream, lines: collections.deque) -> None:
    """Read ``stream`` (bytes) to its end, the server's, keeping its last lines.  Nothing
    in what jackd writes may end the reading early: a closed pipe would kill jackd with
    SIGPIPE at its next line, and an unread one blocks it."""
    with stream:
        for raw in stream:
            lines.append(raw.decode("utf-8", "replace").rstrip("\n"))


# JACK's machine-wide server registry (POSIX shared memory "/jack-shm-registry", jack2's
# shm.h): a header, then MAX_SERVERS entries of (pid, "jack-<uid>:<name>:").  A server
# killed before it could unregister keeps its entry, and jackd frees a dead entry only
# when a server of the same name starts: after a few killed test runs the registry is full
# ("Too many servers already active") for every later run on the machine.
_REGISTRY = "/dev/shm/jack-shm-registry"
_REGISTRY_MAGIC = 0x4A41434B  # "JACK"
_MAX_SERVERS = 8


def _registry_entries() -> list[tuple[int, str]] | None:
    """(pid, server name) of every used registry entry, or None if unreadable."""
    try:
        with open(_REGISTRY, "rb") as f:
            data = f.read(4096)
        magic, _protocol, _type, _size, hdr_len, _entry_len = struct.unpack_from(
            "<IHxxiIII", data, 0
        )
    except (OSError, struct.error):
        return None
    slot = (hdr_len - 24) // _MAX_SERVERS
    if magic != _REGISTRY_MAGIC or not 8 <= slot <= 1024 or hdr_len > len(data):
        return None
    entries = []
    prefix = f"jack-{os.getuid()}:"
    for i in range(_MAX_SERVERS):
        off = 24 + i * slot
        (pid,) = struct.unpack_from("<i", data, off)
        raw = data[off + 4 : off + slot].split(b"\0", 1)[0].decode("utf-8", "replace")
        if pid > 0:
            name = raw[len(prefix) :].rstrip(":") if raw.startswith(prefix) else ""
            entries.append((pid, name))
    return entries


def free_registry_slots() -> int:
    """How many more JACK servers can start on this machine (8 if unknown)."""
    entries = _registry_entries()
    return _MAX_SERVERS if entries is None else _MAX_SERVERS - len(entries)


def reclaim_stale_servers() -> int:
    """Free the registry entries of our servers whose jackd is gone; return how many."""
    freed = 0
    jackd = shutil.which("jackd")
    for pid, name in _registry_entries() or []:
        if name and jackd and not process_is_running(pid):
            _restart_briefly([jackd, "--no-realtime", "-n", name, "-d", "dummy"])
            freed += 1
    return freed


def _restart_briefly(args) -> None:
    """Start a server under a dead server's name and stop it cleanly: that is what makes
    jackd free the dead entry."""
    proc = subprocess.Popen(
        args,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        stdin=subprocess.DEVNULL,
        env=dict(os.environ, JACK_NO_AUDIO_RESERVATION="1"),
    )
    name = args[args.index("-n") + 1]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and proc.poll() is None and not server_answers(name):
        time.sleep(0.05)
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
