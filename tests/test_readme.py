"""The README's command list names every subcommand the command line has (pure)."""

import re
from pathlib import Path

from engine.commands.cli import SUBCOMMANDS

README = Path(__file__).resolve().parents[1] / "README.md"


def test_every_subcommand_is_in_the_readme_command_list():
    text = README.read_text(encoding="utf-8")
    block = text.split("## Command line", 1)[1].split("```")[1]
    listed = set(re.findall(r"^pianola (\w+)", block, flags=re.M))
    # `pianola [FILE]` is the gui subcommand's usual spelling
    assert re.search(r"^pianola \[FILE\]", block, flags=re.M)
    assert set(SUBCOMMANDS) - {"gui"} <= listed, set(SUBCOMMANDS) - {"gui"} - listed


def test_the_user_guide_lists_every_shortcut_of_the_table():
    from sequencer_gui.shortcuts import SHORTCUTS

    guide = (README.parent / "docs" / "user-guide.md").read_text(encoding="utf-8")
    section = guide.split("## Shortcuts", 1)[1].split("\n## ", 1)[0]
    for shortcut in SHORTCUTS:
        assert f"| {shortcut.keys} | {shortcut.what} |" in section, shortcut.name
