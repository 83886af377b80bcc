"""A note's, a track's, a pattern's, a placement's or the song's own fields as stamped
writes, the greatest stamp winning (pure, over the plain dicts and pycrdt Maps of the shared song;
called on the document's owner thread).

Two musicians setting one field within a schedule-ahead of each other write it
concurrently.  Written as a plain map key, Yjs would keep one of the two by its own rule
(the higher client id), which can put the *older* stamp in force and leaves each peer
having heard what it happened to receive first.  So a field changed after the entry was
made is not overwritten: each change adds a write of its own, under its own key, that
both peers keep through the merge.  Everyone reads a field as the write with the
greatest stamp (epoch, session tick, then ``seq`` — greater than every write its writer
had seen, so a later edit on the same step still wins — then the writer's client id),
and what plays from any session tick on is the fold of the writes stamped up to it: the
same on every peer whichever write arrived first.

A write shadowed, field by field, by greater writes that playback has long passed is
deleted by the next peer that edits the entry: the log holds little more than one write
per field.
"""

from __future__ import annotations

from dataclasses import dataclass

from pycrdt import Map

from engine.collab.song_schema import stamp_of, whole

WRITE_PREFIX = "@"  # a write's key: @EPOCH:TICK:SEQ:CLIENT
MADE = "at"  # the entry's own stamp: from where it exists (not a field)
SETTLED_QUARTERS = 16  # a stamp this far behind a new one has been played everywhere


def settled_before(stamp: tuple[int, int], playing: bool, ppq: int) -> tuple[int, int]:
    """The last stamp surely played everywhere when an edit is stamped ``stamp``: four
    bars of 4/4 before it while playing; while stopped, every stamp up to it."""
    return (stamp[0], stamp[1] - SETTLED_QUARTERS * ppq) if playing else stamp


@dataclass(frozen=True, slots=True)
class Write:
    """One stamped change of some fields of an entry."""

    key: str
    stamp: tuple[int, int]  # (transport epoch, session tick) from which it sounds
    seq: int
    by: int  # the writer's client id: the last tie-breaker
    values: dict
    undo: bool = False  # restates what an undo or redo left in force (not an intent)

    def __post_init__(self):
        if self.seq < 0 or self.by < 0:
            raise ValueError(f"a write's seq and client must not be negative, not {self}")

    @property
    def order(self) -> tuple[int, int, int, int]:
        return (*self.stamp, self.seq, self.by)


def is_write(key: str) -> bool:
    return key.startswith(WRITE_PREFIX)


def writes_of(data: dict) -> list[Write]:
    """An entry's writes in the order they take effect; malformed ones are left out."""
    writes = []
    for key, value in data.items():
        if not is_write(key) or not isinstance(value, dict):
            continue
        stamp = stamp_of(value.get("at"))
        values = value.get("set")
        try:
            seq, by = whole(value.get("seq")), whole(value.get("by"))
            if stamp is None or not isinstance(values, dict):
                continue
            fields = {k: v for k, v in values.items() if not is_write(k) and k != MADE}
            writes.append(Write(key, stamp, seq, by, fields, value.get("undo") is True))
        except ValueError:
            continue
    writes.sort(key=lambda w: w.order)
    return writes


def folded(data: dict, upto: tuple[int, int] | None = None, intended: bool = False) -> dict:
    """The entry's fields: as made, with every write stamped at or before ``upto`` (all:
    None) laid over them in order.  ``intended``: without the writes that restate an
    undo, i.e. as the writers' own edits (and undo managers) left it."""
    fields = {k: v for k, v in data.items() if not is_write(k)}
    for write in writes_of(data):
        if upto is not None and write.stamp > upto:
            break
        if not (intended and write.undo):
            fields.update(write.values)
    return fields


def latest_stamp(data: dict) -> tuple[int, int] | None:
    """The greatest stamp among the entry's own and its writes'."""
    stamps = [w.stamp for w in writes_of(data)]
    made = stamp_of(data.get(MADE))
    stamps += [made] if made is not None else []
    return max(stamps) if stamps else None


def new_writes(before: dict | None, after: dict | None) -> list[Write]:
    """The writes in ``after`` that ``before`` did not have."""
    if after is None:
        return []
    known = {k for k in before or {} if is_write(k)}
    return [w for w in writes_of(after) if w.key not in known]


def new_stamps(before: dict | None, after: dict | None) -> set[tuple[int, int]]:
    """The stamps of the writes in ``after`` that ``before`` did not have."""
    return {w.stamp for w in new_writes(before, after)}


def latest_stamp_of(data: dict, names) -> tuple[int, int] | None:
    """The greatest stamp among the writes that set any of the fields ``names``."""
    stamps = [w.stamp for w in writes_of(data) if any(n in w.values for n in names)]
    return max(stamps) if stamps else None


def add_write(
    target: Map,
    stamp: tuple[int, int],
    by: int,
    values: dict,
    settled: tuple[int, int],
    undo: bool = False,
) -> None:
    """Add a write of ``values`` stamped ``stamp`` by client ``by`` to ``target`` (an
    entry's Map, in the caller's transaction), then delete the writes that writes stamped
    at or before ``settled`` (played everywhere) shadow."""
    data = target.to_py() or {}
    seq = 1 + max((w.seq for w in writes_of(data)), default=0)
    key = f"{WRITE_PREFIX}{stamp[0]}:{stamp[1]}:{seq}:{by}"
    entry = {"at": list(stamp), "seq": seq, "by": by, "set": dict(values)}
    if undo:
        entry["undo"] = True
    target[key] = entry
    data[key] = entry
    for key in settled_writes(data, settled):
        del target[key]


def settled_writes(data: dict, limit: tuple[int, int]) -> list[str]:
    """Keys of writes every field of which a greater write stamped at or before ``limit``
    (played everywhere) sets again: deleting them changes nothing anyone can still hear."""
    writes = writes_of(data)
    gone = []
    for i, write in enumerate(writes):
        settled_later = [w for w in writes[i + 1 :] if w.stamp <= limit]
        if all(any(name in w.values for w in settled_later) for name in write.values):
            gone.append(write.key)
    return gone
