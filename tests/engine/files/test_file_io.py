"""Atomic writes: modes, symbolic links, and temporary files left by killed saves."""

from __future__ import annotations

import os
import stat
import subprocess
import sys

import pytest

from engine.core.errors import FileWriteError
from engine.core.score import Note, Score, Track
from engine.files.file_io import atomic_output, temp_path_for, write_file_atomically
from engine.files.song_files import writer_for

SONG = Score(tracks=(Track(notes=(Note(0, 10, 60),)),))


def mode_of(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("suffix", [".pianola", ".mid"])
def test_a_new_file_gets_the_umask_mode_and_an_old_one_keeps_its_own(tmp_path, suffix):
    old_umask = os.umask(0o027)
    try:
        new = tmp_path / f"new{suffix}"
        writer_for(new)(SONG, new)
        assert mode_of(new) == 0o640
        kept = tmp_path / f"kept{suffix}"
        kept.write_bytes(b"x")
        kept.chmod(0o604)
        writer_for(kept)(SONG, kept)
        assert mode_of(kept) == 0o604
    finally:
        os.umask(old_umask)


@pytest.mark.parametrize("suffix", [".pianola", ".mid"])
def test_saving_onto_a_symbolic_link_writes_through_it(tmp_path, suffix):
    real_folder = tmp_path / "real"
    real_folder.mkdir()
    real = real_folder / f"song{suffix}"
    real.write_bytes(b"old")
    link = tmp_path / f"link{suffix}"
    link.symlink_to(real)
    writer_for(link)(SONG, link)
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_bytes() != b"old" and link.read_bytes() == real.read_bytes()
    assert sorted(p.name for p in real_folder.iterdir()) == [real.name]


def test_a_temporary_file_of_a_killed_save_is_removed_by_the_next_save(tmp_path):
    target = tmp_path / "song.pianola"
    # A save killed with SIGKILL in the middle: its process is gone, its file stays.
    child = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os, sys\n"
            "from pathlib import Path\n"
            "from engine.files.file_io import temp_path_for\n"
            "tmp = temp_path_for(Path(sys.argv[1]))\n"
            "tmp.write_bytes(b'half a song')\n"
            "print(tmp)\n"
            "os.kill(os.getpid(), 9)\n",
            str(target),
        ],
        capture_output=True,
        text=True,
    )
    left = tmp_path / os.path.basename(child.stdout.strip())
    assert child.returncode == -9 and left.exists()
    # A save in progress in a live process is not touched.
    live = temp_path_for(target).with_name(f".song.pianola.{os.getppid()}.abcd0123.tmp")
    live.write_bytes(b"another process is writing")
    other = tmp_path / ".other.pianola.999999999.abcd0123.tmp"
    other.write_bytes(b"not this file's")
    writer_for(target)(SONG, target)
    assert not left.exists()
    assert live.exists() and other.exists()


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path):
    target = tmp_path / "song.mid"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError):
        with atomic_output(target) as f:
            f.write(b"half")
            raise RuntimeError("interrupted")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["song.mid"]
    with pytest.raises(FileWriteError, match="the folder does not exist"):
        write_file_atomically(tmp_path / "missing" / "x.mid", b"data")
