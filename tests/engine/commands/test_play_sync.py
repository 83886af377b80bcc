"""`pianola play` with a sync source: its options and their one-sentence refusals."""

from __future__ import annotations

import pytest

from tests.engine.commands.pianola_cli import run_pianola
from tests.engine.commands.test_play import _one_sentence, song  # noqa: F401


def test_an_absurd_quantum_is_one_sentence(song):  # noqa: F811
    res = run_pianola("play", str(song), "--link", "--quantum", "0")
    assert res.returncode == 1
    assert _one_sentence(res.stderr) == (
        "pianola: The Link quantum must be from 1 to 64 beats, not 0."
    )


def test_link_and_jack_transport_are_one_source_at_a_time(song):  # noqa: F811
    res = run_pianola("play", str(song), "--link", "--jack-transport", "follow")
    assert res.returncode == 2  # argparse: not allowed together
    assert "not allowed with argument" in res.stderr


@pytest.mark.audio
def test_following_jack_transport_without_a_master_says_so_once(jack_server, song):  # noqa: F811
    res = run_pianola(
        "play", str(song), "--driver", "jack", "--jack-transport", "follow", "--seconds", "2"
    )
    assert res.returncode == 0, res.stderr
    said = "JACK transport has no timebase master: following its frames at the song's tempo."
    assert res.stdout.count(said) == 1, res.stdout
    assert "Sync: JACK transport (following)." in res.stdout
