"""Link inside a live session, the owner's side: Link's tempo becomes the session's and
the session's goes to Link, and Link's own tempos coming back go nowhere (pure: a song
document of the real kind, no server or engine)."""

from __future__ import annotations

from engine.collab.link_share import LinkShare, with_first_tempo
from engine.collab.song_doc import SongDoc
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import Note, Score, Track
from engine.core.timing import TempoChange, TempoMap, bpm_to_us_per_quarter


class Status:
    synced = True


class Session:
    status = Status()


class SongPeer:
    """What LinkShare asks of a Peer: its song, whether it arrived, and an edit."""

    def __init__(self, bpm: float):
        self.session = Session()
        self.song = SongDoc()
        song = Score(tracks=(Track("t", notes=(Note(0, 240, 60),)),))
        self.song.load_score(with_first_tempo(song, bpm_to_us_per_quarter(bpm)))
        self.edits = 0

    def edit(self, score: Score) -> None:
        self.song.apply_score(score, None)
        self.edits += 1

    def bpm(self) -> float:
        return self.song.score().tempo_map.changes[0].bpm


def report(share: LinkShare, leads: bool, bpm: float) -> None:
    assert share.on_engine_event(evt.SessionSyncEvent(leads, bpm if leads else 0.0, 0))


def test_link_leads_its_tempo_becomes_the_sessions():
    peer, share = SongPeer(120.0), LinkShare()
    assert share.follow(peer) == []  # Link not reported yet: nothing happens
    report(share, True, 97.0)  # Link was there first, at 97
    assert share.follow(peer) == [] and round(peer.bpm(), 3) == 97.0
    report(share, True, 133.0)  # another Link app changes it
    assert share.follow(peer) == [] and round(peer.bpm(), 3) == 133.0
    assert share.from_link == 2 and share.to_link == 0


def test_a_session_tempo_goes_to_link_once():
    peer, share = SongPeer(97.0), LinkShare()
    report(share, True, 97.0)
    assert share.follow(peer) == [] and peer.edits == 0  # the same tempo: no edit
    peer.edit(with_first_tempo(peer.song.score(), bpm_to_us_per_quarter(110.0)))
    sent = share.follow(peer)
    assert len(sent) == 1 and isinstance(sent[0], cmd.SetLinkTempoCommand)
    assert round(sent[0].bpm, 3) == 110.0
    assert share.follow(peer) == []  # once
    report(share, True, 110.0)  # Link took it: nothing more to do either way
    assert share.follow(peer) == [] and peer.edits == 1


def test_an_older_link_tempo_coming_back_never_undoes_a_newer_one():
    peer, share = SongPeer(97.0), LinkShare()
    report(share, True, 97.0)
    share.follow(peer)
    report(share, True, 133.0)
    share.follow(peer)  # the session takes 133
    report(share, True, 140.0)
    share.follow(peer)  # and 140
    # another Link peer's edit to 133, made before it saw 140, arrives now
    peer.edit(with_first_tempo(peer.song.score(), bpm_to_us_per_quarter(133.0)))
    assert share.follow(peer) == []  # Link's own tempo coming back: not sent to Link


def test_nothing_is_shared_before_the_sessions_song_arrived():
    peer, share = SongPeer(120.0), LinkShare()
    peer.session = type("Joining", (), {"status": type("S", (), {"synced": False})()})()
    report(share, True, 97.0)
    assert share.follow(peer) == [] and peer.edits == 0
    peer.session = Session()  # arrived: Link leads from here
    assert share.follow(peer) == [] and round(peer.bpm(), 3) == 97.0


def test_link_off_nothing_is_shared_and_a_tempo_map_keeps_its_later_changes():
    peer, share = SongPeer(120.0), LinkShare()
    report(share, False, 0.0)
    peer.edit(with_first_tempo(peer.song.score(), bpm_to_us_per_quarter(90.0)))
    assert share.follow(peer) == [] and not share.leads
    score = Score(tempo_map=TempoMap((TempoChange(0, 500_000), TempoChange(1920, 400_000))))
    changed = with_first_tempo(score, 600_000)
    assert [c.us_per_quarter for c in changed.tempo_map.changes] == [600_000, 400_000]
    assert not share.on_engine_event(evt.XrunEvent(1))
