"""The sync hub's refusals: a source that cannot open leaves the engine on its own clock
and says why in one sentence (pure: the scheduler runs on its recording fake backend)."""

from __future__ import annotations

import builtins

from engine.realtime.scheduler import Scheduler
from engine.sync.hub import SyncHub
from engine.sync.sync_choice import SyncChoice
from tests.engine.realtime.test_scheduler import FakeBackend
from tests.engine.sync.test_link_follower import quarters


def make_hub():
    scheduler = Scheduler(FakeBackend(), lookahead_frames=1440)
    scheduler.load_score(quarters(8))
    said = []
    hub = SyncHub(scheduler, jack_server=None, uses_jack=False, say=lambda *a: said.append(a))
    return hub, scheduler, said


def test_jack_transport_without_the_jack_driver_is_refused_in_one_sentence():
    hub, scheduler, said = make_hub()
    hub.choose(SyncChoice("jack-follow"))
    assert hub.source == "internal"
    assert said == [
        (
            "internal",
            "JACK transport needs the JACK audio driver. Playing on Pianola's own clock.",
            0,
            4.0,
        )
    ]
    assert hub.play(0) is False  # Pianola's own transport plays as before
    scheduler.play(0)
    assert scheduler.position().playing


def test_a_missing_link_library_leaves_everything_else_working(monkeypatch):
    hub, scheduler, said = make_hub()
    real_import = builtins.__import__

    def no_link(name, *args, **kwargs):
        if name == "link":
            raise ImportError("No module named 'link'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_link)
    hub.choose(SyncChoice("link"))
    assert hub.source == "internal"
    ((source, message, _peers, _quantum),) = said
    assert source == "internal"
    assert message.startswith("Ableton Link is not available: the LinkPython-extern package")
    assert message.endswith("Playing on Pianola's own clock.")
    assert hub.stop() is False
