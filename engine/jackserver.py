"""Start and stop a private JACK server with the dummy backend (runs in the caller's thread).

Used by the test suite, the benchmarks and `pianola doctor`: the dummy backend needs no
sound card, so everything Pianola does over JACK can run and be measured on a headless
machine.  Only ``subprocess`` is used here; nothing JACK-specific is imported.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field

from engine.errors import AudioDriverError


@dataclass
class DummyJackServer:
    """A ``jackd -d dummy`` server named ``name``; use as a context manager."""

    name: str
    sample_rate: int = 48000
    period_frames: int = 256
    realtime: bool = False
    _proc: subprocess.Popen | None = field(default=None, init=False, repr=False)
    _log: list[str] = field(default_factory=list, init=False, repr=False)

    def start(self, timeout_s: float = 10.0) -> "DummyJackServer":
        jackd = shutil.which("jackd")
        if jackd is None:
            raise AudioDriverError("jackd is not installed (Debian package jackd2).")
        cmd = [jackd, "--no-realtime" if not self.realtime else "--realtime",
               "-n", self.name, "-d", "dummy",
               "-r", str(self.sample_rate), "-p", str(self.period_frames)]
        env = dict(os.environ, JACK_NO_AUDIO_RESERVATION="1")
        self._proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                      stdin=subprocess.DEVNULL, env=env, text=True)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                out = self._proc.stdout.read() if self._proc.stdout else ""
                raise AudioDriverError(
                    f"the dummy JACK server {self.name!r} exited at start: {out.strip()[-300:]}")
            if server_answers(self.name):
                return self
            time.sleep(0.05)
        self.stop()
        raise AudioDriverError(f"the dummy JACK server {self.name!r} did not answer in time.")

    def stop(self) -> None:
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.terminate()
            try:
                self._proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                # jackd can hang in shutdown on a client that was SIGKILLed (tests do).
                self._proc.kill()
                self._proc.wait()
                self._reclaim_registry_slot()
        if self._proc.stdout:
            self._proc.stdout.close()
        self._proc = None

    def _reclaim_registry_slot(self) -> None:
        """A killed jackd leaves its name in JACK's machine-wide server registry, which
        has 8 slots and frees a dead entry only when a server of the same name starts:
        so start one and stop it cleanly, or the machine soon has "Too many servers"."""
        proc = subprocess.Popen(self._proc.args, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                                env=dict(os.environ, JACK_NO_AUDIO_RESERVATION="1"))
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and proc.poll() is None \
                and not server_answers(self.name):
            time.sleep(0.05)
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def __enter__(self) -> "DummyJackServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def server_answers(name: str | None = None, timeout_s: float = 2.0) -> bool:
    """True if a JACK server called ``name`` (None: the default server) accepts a client.

    Asked from a child process so that a missing server costs no JACK state here.
    """
    lsp = shutil.which("jack_lsp")
    if lsp is None:
        return False
    env = dict(os.environ)
    if name:
        env["JACK_DEFAULT_SERVER"] = name
    env["JACK_NO_START_SERVER"] = "1"
    try:
        res = subprocess.run([lsp], env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return False
    return res.returncode == 0
