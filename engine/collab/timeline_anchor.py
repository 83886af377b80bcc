"""The running transport's timeline as the shared song's writes say it, and the anchors
that keep it known once old writes are gone (pure, over the plain dicts and pycrdt Maps
of the shared song; called on the document's owner thread).

A tempo or loop change made while playing moves every later session tick in time, so a
peer that joins a running transport needs the run's timeline: the transport's start,
then a new stretch at the stamp of every tempo or loop write of that run, each with the
tempo and loop that the writes stamped up to there fold to
(``engine.collab.field_log``).  Every peer reads it from the same writes, so it is the
same everywhere whichever write arrived first.  (An anchor that each editor wrote at its
own stamp would be its view at the moment of its edit, which misses a change stamped
just before its own by someone else; and one written whole keeps one editor's by Yjs's
rule, not the greatest stamp.)

The writes do not all stay: one shadowed by greater writes played long ago is deleted,
and an undo takes its edit's write away although every engine played it.  So before a
peer's edit may delete them it writes an *anchor*, ``transport["anchor@EPOCH:TICK"]``:
where session tick TICK of the run sounds, and the tempo and loop from there on.  A peer
joining places itself from the anchor of the greatest tick of the run it has, then from
the writes stamped after it.  The anchor stands at the latest change played everywhere
(at least sixteen quarters before the edit's stamp, as the pruning itself assumes), so
two peers writing one anchor write the same value; an undo that takes away a change
anchors that change, as this peer played it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pycrdt import Map

from engine.collab.field_log import folded, settled_before, writes_of
from engine.collab.song_schema import LOCAL, song_timing, whole
from engine.collab.song_write import song_doc_values
from engine.collab.transport import SessionTimeline, TransportState
from engine.core.errors import ScoreError
from engine.core.score import Score

ANCHOR_PREFIX = "anchor@"  # an anchor's key in the transport map: anchor@EPOCH:TICK
OLD_ANCHOR = "anchor"  # one anchor, written whole with each change (still read)
TIMELINE_FIELDS = ("tempo", "loop_start", "loop_end", "loop_enabled")  # what moves it


@dataclass(frozen=True, slots=True)
class Anchor:
    """Session tick ``u`` of run ``epoch`` sounds ``us`` microseconds after its start, at
    ``tick`` of pass ``pass_index`` (passes counted from the start), with the tempo and
    loop of ``fields`` (the song's fields as the document holds them) from there on;
    ``fields`` None: an old anchor, with the tempo and loop the writes fold to there."""

    epoch: int
    u: int
    us: int
    pass_index: int
    tick: int
    fields: dict | None = None

    def __post_init__(self):
        for name in ("epoch", "u", "us", "pass_index", "tick"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"anchor {name} must be a whole number >= 0, not {value!r}")
        if self.fields is not None and not isinstance(self.fields, dict):
            raise ValueError(f"anchor fields must be a map, not {self.fields!r}")

    @property
    def key(self) -> str:
        return f"{ANCHOR_PREFIX}{self.epoch}:{self.u}"

    def to_doc(self) -> dict:
        value: dict = {
            "epoch": self.epoch,
            "u": self.u,
            "us": self.us,
            "pass": self.pass_index,
            "tick": self.tick,
        }
        if self.fields is not None:
            value["song"] = dict(self.fields)
        return value

    @classmethod
    def from_doc(cls, value) -> Anchor | None:
        """The anchor a document value holds, or None if it is not one."""
        if not isinstance(value, dict):
            return None
        try:
            epoch, u, us, pass_index, tick = (
                whole(value[k]) for k in ("epoch", "u", "us", "pass", "tick")
            )
            return cls(epoch, u, us, pass_index, tick, value.get("song"))
        except (KeyError, ValueError):  # ScoreError is a ValueError
            return None


def is_anchor(key: str) -> bool:
    return key == OLD_ANCHOR or key.startswith(ANCHOR_PREFIX)


def latest_anchor(transport: dict, epoch: int) -> Anchor | None:
    """The anchor of run ``epoch`` at the greatest session tick (one with the tempo and
    loop before an old one at the same tick)."""
    anchors = [Anchor.from_doc(v) for k, v in transport.items() if is_anchor(k)]
    mine = [a for a in anchors if a is not None and a.epoch == epoch]
    return max(mine, key=lambda a: (a.u, a.fields is not None), default=None)


def moves_timeline(values: dict) -> bool:
    return any(name in values for name in TIMELINE_FIELDS)


def session_timeline(
    score: Score, song: dict, transport: dict, state: TransportState
) -> SessionTimeline:
    """The timeline of the running transport ``state`` (module doc): ``song`` and
    ``transport`` are the document's maps as plain values, ``score`` the song now."""
    epoch = state.epoch
    base = latest_anchor(transport, epoch)
    after = base.u if base is not None else 0
    fields = folded(song, (epoch, after))
    if base is not None and base.fields is not None:
        fields.update(base.fields)  # as played there, whatever writes went since
    if base is None:
        timeline = SessionTimeline(_with_fields(score, fields), state.tick)
    else:
        timeline = SessionTimeline.from_anchor(
            _with_fields(score, fields), base.u, base.us, base.pass_index, base.tick
        )
    writes = [
        w
        for w in writes_of(song)
        if w.stamp[0] == epoch and w.stamp[1] > after and moves_timeline(w.values)
    ]
    for i, write in enumerate(writes):
        fields.update({k: v for k, v in write.values.items() if k in TIMELINE_FIELDS})
        if i + 1 == len(writes) or writes[i + 1].stamp != write.stamp:
            timeline = timeline.changed_at(write.stamp[1], _with_fields(score, fields))
    return timeline


def _with_fields(score: Score, fields: dict) -> Score:
    """``score`` with the tempo and loop of the song's ``fields`` (as it is where they
    are malformed)."""
    try:
        timing = song_timing(fields)
    except (ScoreError, TypeError, ValueError, IndexError, AttributeError):
        return score
    return replace(
        score,
        tempo_map=timing["tempo_map"],
        loop=timing["loop"],
        loop_enabled=timing["loop_enabled"],
    )


def anchor_at(timeline: SessionTimeline, epoch: int, u: int) -> Anchor:
    """Where ``timeline`` has session tick ``u``, with the tempo and loop it plays there."""
    where = timeline.anchor(u)
    values = song_doc_values(timeline.score_at(u))
    fields = {name: values[name] for name in TIMELINE_FIELDS}
    return Anchor(epoch, where["u"], where["us"], where["pass"], where["tick"], fields)


def anchor_before_edit(song, timeline: SessionTimeline | None, at) -> None:
    """Before an edit stamped ``at`` (None: made while stopped) of ``song`` (a SongDoc)
    may delete writes played everywhere: the anchor at the latest change of ``timeline``
    played everywhere by then, unless one is there."""
    if at is None or timeline is None:
        return
    limit = settled_before(at, True, timeline.score.ppq)[1]
    base = latest_anchor(song.transport.to_py() or {}, at[0])
    after = base.u if base is not None else 0
    ticks = [u for u in timeline.change_ticks() if after < u <= limit]
    if ticks:
        _write(song, anchor_at(timeline, at[0], max(ticks)))


def anchor_after_undo(song, timeline: SessionTimeline | None, at) -> None:
    """After an undo or redo stamped ``at``: the anchor at the latest change of
    ``timeline`` whose write ``song`` no longer holds (the undo took it away, though it
    was played, or is to be), unless an anchor at or after it is there."""
    if at is None or timeline is None:
        return
    base = latest_anchor(song.transport.to_py() or {}, at[0])
    after = base.u if base is not None else 0
    written = {
        w.stamp[1]
        for w in writes_of(song.song.to_py() or {})
        if w.stamp[0] == at[0] and moves_timeline(w.values)
    }
    lost = [u for u in timeline.change_ticks() if u > after and u not in written]
    if lost:
        _write(song, anchor_at(timeline, at[0], max(lost)))


def _write(song, anchor: Anchor) -> None:
    """Write ``anchor``; those it makes useless (earlier in its run, or of runs before)
    go."""
    with song.doc.transaction(origin=LOCAL):
        song.transport[anchor.key] = anchor.to_doc()
        for key, value in (song.transport.to_py() or {}).items():
            if key == anchor.key or not is_anchor(key):
                continue
            old = Anchor.from_doc(value)
            if old is None or (old.epoch, old.u) < (anchor.epoch, anchor.u):
                del song.transport[key]


def clear_anchors(transport: Map) -> None:
    """A new run of the transport (in the caller's transaction): no change to anchor yet."""
    for key in list((transport.to_py() or {}).keys()):
        if is_anchor(key):
            del transport[key]
