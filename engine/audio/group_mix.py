"""The metered mix: FluidSynth's channel groups summed to stereo in C, with a peak per group
(built and loaded in the engine process; ``group_mix.c`` runs in the audio thread).

Per-track level meters need each track's own audio.  FluidSynth renders MIDI channel
``c`` to output group ``c % groups`` (``synth.audio-groups``), but its JACK driver gives
either one stereo mix or every group as ports of its own (``audio.jack.multi``), which
would replace the synth's two outputs with dozens.  So the synth keeps its two outputs and
renders through ``group_mix.c`` instead: that audio callback sums the groups and the
effects into the same stereo mix and measures each group on the way.  The engine gives
each track its own channel, so group ``g`` is track ``g``.

The C file is compiled once per version with the system's C compiler into the user's
cache (``PIANOLA_CACHE_DIR`` overrides where).  Where that cannot happen (no compiler),
``load()`` says why and the synth renders as before, metering only the whole mix.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import platform
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

SOURCE = Path(__file__).with_name("group_mix.c")
# Groups measured: tracks 0..30 each alone, and the click's channel (the synth's last,
# 255 % 32).  Each group costs FluidSynth a buffer to clear and copy per block: measured
# here, about 0.02 % of a core per group rendering at 48 kHz.
GROUPS = 32
CHUNK_FRAMES = 1024  # frames per FluidSynth call; longer periods take several


@dataclass(frozen=True, slots=True)
class MeterTarget:
    """Where the peaks go: addresses in the shared position block, and the window length."""

    master_address: int  # three int64: left, right, windows published
    groups_address: int  # GROUPS int64, one per group
    window_s: float = 0.04


def cache_dir() -> Path:
    override = os.environ.get("PIANOLA_CACHE_DIR")
    if override:
        return Path(override)
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("pianola"))


def library_path() -> Path:
    digest = hashlib.sha256(SOURCE.read_bytes()).hexdigest()[:16]
    return cache_dir() / f"group_mix-{digest}-{platform.machine()}.so"


def _compile(target: Path) -> str:
    """Build the library at ``target``; "" on success, else why not (one phrase)."""
    compiler = shutil.which(os.environ.get("CC") or "cc") or shutil.which("gcc")
    if os.environ.get("CC") and not shutil.which(os.environ["CC"]):
        compiler = None  # the one asked for is missing: say so rather than use another
    if compiler is None:
        return "no C compiler is installed to build the per-track meter mix"
    target.parent.mkdir(parents=True, exist_ok=True)
    # built beside the target and renamed over it, so two engines starting at once never
    # load a half-written library
    fd, partial = tempfile.mkstemp(dir=target.parent, suffix=".so.partial")
    os.close(fd)
    try:
        result = subprocess.run(
            [compiler, "-O2", "-shared", "-fPIC", "-o", partial, str(SOURCE), "-lm"],
            capture_output=True,
            text=True,
            timeout=120,
        )
        if result.returncode != 0:
            return f"the C compiler could not build the per-track meter mix: {result.stderr.strip()[:200]}"
        os.replace(partial, target)
        return ""
    finally:
        if os.path.exists(partial):
            os.unlink(partial)


_loaded: tuple[ctypes.CDLL | None, str] | None = None


def load() -> tuple[ctypes.CDLL | None, str]:
    """(the library, "") or (None, why it is unavailable); built on first use."""
    global _loaded
    if _loaded is not None:
        return _loaded
    try:
        path = library_path()
        problem = "" if path.is_file() else _compile(path)
        if problem:
            _loaded = (None, problem)
            return _loaded
        lib = ctypes.CDLL(str(path))
    except (OSError, subprocess.SubprocessError) as exc:
        _loaded = (None, f"the per-track meter mix could not be built or loaded ({exc})")
        return _loaded
    lib.pianola_mix_new.restype = ctypes.c_void_p
    lib.pianola_mix_new.argtypes = [
        ctypes.c_void_p,
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.c_void_p,
        ctypes.c_void_p,
    ]
    lib.pianola_mix_free.restype = None
    lib.pianola_mix_free.argtypes = [ctypes.c_void_p]
    lib.pianola_mix_write_interleaved.restype = ctypes.c_int
    lib.pianola_mix_write_interleaved.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]
    _loaded = (lib, "")
    return _loaded


class GroupMix:
    """One synth's metered mix (see the module docstring); free it after the audio stops."""

    def __init__(
        self,
        lib: ctypes.CDLL,
        fluid_process_address: int,
        synth,
        target: MeterTarget,
        sample_rate: int,
    ):
        self._lib = lib
        self._mix = lib.pianola_mix_new(
            fluid_process_address,
            synth,
            GROUPS,
            CHUNK_FRAMES,
            max(1, int(sample_rate * target.window_s)),
            target.master_address,
            target.groups_address,
        )
        if not self._mix:
            raise MemoryError("the per-track meter mix could not be allocated")
        # the C function FluidSynth's driver calls, with ``data`` as its first argument
        self.callback_address = ctypes.cast(lib.pianola_mix_process, ctypes.c_void_p).value
        self.data = self._mix

    def write_interleaved(self, address: int, frames: int) -> None:
        """Render ``frames`` interleaved stereo float32 frames at ``address`` (audio thread)."""
        self._lib.pianola_mix_write_interleaved(self._mix, frames, address)

    def free(self) -> None:
        if self._mix:
            self._lib.pianola_mix_free(self._mix)
            self._mix = None
