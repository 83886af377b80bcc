"""The real window (Xvfb) in a live session with Link on, against a real server and a
Link app in a private network namespace (see window_link_scene.py)."""

from __future__ import annotations

import pytest

from tests.engine.sync.netns import run_isolated

pytestmark = [pytest.mark.gui, pytest.mark.slow]


def test_in_a_session_with_link_on_the_window_says_link_leads_and_follows_its_tempo(
    xdisplay, tmp_path
):
    shot = tmp_path / "window-link.png"
    report = run_isolated(
        "tests.sequencer_gui.collab.window_link_scene", str(shot), timeout_s=180.0
    )
    assert report["engine_ready"] and report["joined"] and report["song_arrived"], str(report)
    # Link was there first at 97 BPM: it leads the session, and the window says so
    assert report["link_leads_97"], str(report)
    # at the window's size the musician sees it whole, and the Link button and position
    assert report["session_line_shown"] and report["link_button_shown"], str(report)
    assert report["position_shown"], str(report)
    # another Link app's tempo change: the window shows it, and the session takes it
    assert report["link_leads_133"] and report["host_tempo_133"], str(report)
    assert report["link_button"].startswith("Link · 1 peer"), str(report)
    # the server runs on this host: its clock is this host's wall clock, give or take the
    # measurement (not the decades between the wall clock's epoch and this host's start)
    assert report["offset_ms"] is not None and abs(report["offset_ms"]) < 1000, str(report)
    assert report["screenshot"], str(report)
