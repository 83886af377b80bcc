"""A peer joining a running transport a step before edits stamped further on starts with
the song as it sounds at its first step and hears each edit from its own stamp, as the
peers that were there do (pure: documents exchanged in memory)."""

from __future__ import annotations

from dataclasses import replace

from pycrdt import Doc

from engine.collab.coherence import Coherence
from engine.collab.join_pending import hold_pending
from engine.collab.song_doc import SongDoc
from engine.collab.song_schema import SONG_KEY
from engine.core import edits
from engine.core.score import LoopRegion, Note, Score, Track
from engine.core.timing import TempoMap

EPOCH = 1
BAR = 4 * 480


def _song() -> Score:
    return Score(
        tracks=(Track("One", notes=(Note(0, 240, 60, 100),)),),
        tempo_map=TempoMap.constant(120),
        loop=LoopRegion(0, 2 * BAR),
        loop_enabled=True,
    )


def test_a_joiner_starts_with_the_song_before_later_stamps_and_takes_each_on_its_own():
    editor = SongDoc(Doc(client_id=1))
    editor.load_score(_song())
    editor.apply_score(replace(editor.score(), tempo_map=TempoMap.constant(90)), at=(EPOCH, BAR))
    score = editor.score()
    louder = edits.set_velocity(score, 0, score.tracks[0].notes, 120)[0]
    editor.apply_score(louder, at=(EPOCH, 2 * BAR))
    more = edits.add_notes(editor.score(), 0, [Note(480, 240, 64)])[0]
    editor.apply_score(more, at=(EPOCH, 3 * BAR))
    joiner = SongDoc(Doc(client_id=2))
    joiner.doc.apply_update(editor.doc.get_update())

    coherence = Coherence()
    pending = hold_pending(joiner, coherence, EPOCH, BAR // 2)
    assert pending[SONG_KEY + "tempo"] == [BAR]
    assert sorted(pending.values()) == [[BAR], [2 * BAR], [3 * BAR]]

    def heard_at(u: int) -> Score:
        return joiner.score_with(coherence.overrides_at(u, joiner.entry))

    assert heard_at(BAR // 2) == _song()
    assert heard_at(BAR) == replace(_song(), tempo_map=TempoMap.constant(90))
    assert heard_at(2 * BAR) == louder
    assert heard_at(3 * BAR) == joiner.score() == more
    # a joiner starting after them all has nothing to wait for
    assert hold_pending(joiner, Coherence(), EPOCH, 3 * BAR) == {}
