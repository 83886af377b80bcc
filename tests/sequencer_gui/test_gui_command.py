"""`pianola [FILE] ...` from the command line: a bad file or driver is one sentence."""

import subprocess
import sys
from pathlib import Path

import pytest

PIANOLA = Path(sys.executable).parent / "pianola"

pytestmark = pytest.mark.gui


def test_a_file_that_cannot_be_read_is_one_sentence_and_exit_1(xdisplay, tmp_path):
    bad = tmp_path / "broken.pianola"
    bad.write_text("{ not json")
    out = subprocess.run([str(PIANOLA), str(bad), "--driver", "none"], capture_output=True,
                         text=True, timeout=60)
    assert out.returncode == 1
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("pianola: Cannot open") and "broken" in lines[0]


def test_gui_options_are_parsed():
    from engine.cli import build_parser

    args = build_parser(only="gui").parse_args(
        ["gui", "song.mid", "--driver", "jack", "--soundfont", "x.sf2", "--jack-server", "s"])
    assert (args.file, args.driver, args.soundfont, args.jack_server) == \
        ("song.mid", "jack", "x.sf2", "s")
