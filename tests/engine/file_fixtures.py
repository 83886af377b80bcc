"""Fixtures for file tests: making a folder unwritable for this process, even as root."""

import os
import shutil
import subprocess

import pytest


@pytest.fixture
def lock_folder():
    """A function ``lock(folder)`` that makes ``folder`` unwritable until teardown.

    chmod is enough for a normal user; root ignores permissions, so for root the folder
    is also made immutable with ``chattr +i`` (skipped only if the file system cannot).
    """
    locked = []

    def lock(folder):
        folder.chmod(0o555)
        immutable = False
        if os.access(folder, os.W_OK):
            immutable = (
                bool(shutil.which("chattr"))
                and subprocess.run(["chattr", "+i", str(folder)], capture_output=True).returncode
                == 0
            )
            if not immutable:
                folder.chmod(0o755)
                pytest.skip("running as root on a file system without chattr +i")
        locked.append((folder, immutable))
        return folder

    yield lock
    for folder, immutable in locked:
        if immutable:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        folder.chmod(0o755)
