"""What the song view arranges: pattern placements and blocks of free notes (pure).

The song view shows two kinds of item on a track's row: a pattern placement (keyed by its
id) and a *note block*, the track's own notes (those the piano roll edits) gathered into
runs of bars: a block starts on the bar line before its first note and ends on the bar
line after its last, and bars with no note split blocks, as phrases are split by rests.
A block is keyed by ``NoteKey(track, start_tick)``.

Both kinds move, copy, paste and delete together here as pure functions of a ``Score``, so
the view's gestures are one ``Document`` edit each (one undo step).  A placement may not
overlap another on its track (a ``ScoreError`` names the pattern in the way); notes may
(they join the notes already there, as in the roll).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace

from engine.core import edits
from engine.core.errors import ScoreError
from engine.core.note import MAX_TICK, Note
from engine.core.pattern import Placement, new_id
from engine.core.score import Score


@dataclass(frozen=True, slots=True)
class NoteKey:
    """The key of a note block: its track and the bar line it starts on."""

    track: int
    start_tick: int


@dataclass(frozen=True, slots=True)
class NoteBlock:
    """A run of bars holding a track's own notes."""

    track: int
    start_tick: int  # a bar line
    end_tick: int  # a bar line after the last note's end
    count: int  # notes starting in it

    @property
    def key(self) -> NoteKey:
        return NoteKey(self.track, self.start_tick)


def _bar_start(score: Score, tick: int) -> int:
    bar = score.time_signatures.tick_to_bar_beat(max(0, tick), score.ppq).bar
    return score.time_signatures.bar_to_tick(bar, score.ppq)


def _bar_end(score: Score, tick: int) -> int:
    """The bar line after the bar holding ``tick``."""
    bar = score.time_signatures.tick_to_bar_beat(max(0, tick), score.ppq).bar
    return score.time_signatures.bar_to_tick(bar + 1, score.ppq)


def track_blocks(score: Score, track_index: int) -> tuple[NoteBlock, ...]:
    """The note blocks of one track, in time order.

    Notes are in start order, so one pass finds them; the bar arithmetic runs only where a
    block starts or a note reaches past the block's end, not once per note.
    """
    blocks: list[NoteBlock] = []
    start = end = reach = count = 0  # reach: the end of the bar after the block (it joins)
    for note in score.tracks[track_index].notes:
        if count and note.start_tick < reach:
            count += 1
            if note.end_tick > end:
                end = _bar_end(score, note.end_tick - 1)
                reach = _bar_end(score, end)
            continue
        if count:
            blocks.append(NoteBlock(track_index, start, end, count))
        start = _bar_start(score, note.start_tick)
        end = _bar_end(score, max(note.start_tick, note.end_tick - 1))
        reach = _bar_end(score, end)
        count = 1
    if count:
        blocks.append(NoteBlock(track_index, start, end, count))
    return tuple(blocks)


class BlockCache:
    """Note blocks per track, worked out again only when the track's notes or the meter
    changed (tracks are immutable values: an unchanged track is the same object)."""

    def __init__(self) -> None:
        self._blocks: dict[int, tuple] = {}

    def blocks(self, score: Score) -> list[NoteBlock]:
        found: list[NoteBlock] = []
        cache = {}
        for i, track in enumerate(score.tracks):
            key = (track.notes, score.time_signatures, score.ppq)
            cached = self._blocks.get(i)
            blocks = None
            if cached is not None and cached[0][0] is track.notes and cached[0][1:] == key[1:]:
                blocks = cached[1]
            if blocks is None:
                blocks = track_blocks(score, i)
            cache[i] = (key, blocks)
            found.extend(blocks)
        self._blocks = cache
        return found


def block_notes(score: Score, key: NoteKey) -> tuple[Note, ...]:
    """The notes of the block ``key`` names (those starting inside it)."""
    for block in track_blocks(score, key.track):
        if block.start_tick == key.start_tick:
            notes = score.tracks[key.track].notes
            return tuple(n for n in notes if block.start_tick <= n.start_tick < block.end_tick)
    raise ScoreError(f"track {key.track + 1} has no notes from tick {key.start_tick}")


def block_at(score: Score, track: int, tick: int) -> NoteKey | None:
    """The block of ``track`` holding ``tick`` (None where the track has no notes)."""
    for block in track_blocks(score, track):
        if block.start_tick <= tick < block.end_tick:
            return block.key
    return None


# --- what a selection spans ----------------------------------------------------------


def item_span(score: Score, key) -> tuple[int, int, int]:
    """(track, start tick, end tick) of a placement id or a ``NoteKey``."""
    if isinstance(key, NoteKey):
        for block in track_blocks(score, key.track):
            if block.start_tick == key.start_tick:
                return block.track, block.start_tick, block.end_tick
        raise ScoreError(f"track {key.track + 1} has no notes from tick {key.start_tick}")
    p = placement(score, key)
    return p.track, p.start_tick, score.placement_end_tick(p)


def placement(score: Score, placement_id: str) -> Placement:
    for p in score.placements:
        if p.id == placement_id:
            return p
    raise ScoreError(f"the song has no pattern placement {placement_id!r}")


def existing(score: Score, keys: Iterable) -> set:
    """The keys of ``keys`` still in the song (after an undo some may be gone)."""
    placements = {p.id for p in score.placements}
    found = set()
    for key in keys:
        if isinstance(key, NoteKey):
            if 0 <= key.track < len(score.tracks) and any(
                b.start_tick == key.start_tick for b in track_blocks(score, key.track)
            ):
                found.add(key)
        elif key in placements:
            found.add(key)
    return found


def check_placements_free(score: Score) -> None:
    """Refuse a song where two placements overlap on a track (names the pattern)."""
    last_end: dict[int, tuple[int, str]] = {}
    for p in sorted(score.placements, key=lambda p: (p.track, p.start_tick)):
        before = last_end.get(p.track)
        if before is not None and p.start_tick < before[0]:
            raise ScoreError(
                f"pattern {score.pattern(before[1]).name!r} is already placed there on "
                f"track {p.track + 1}"
            )
        end = score.placement_end_tick(p)
        if before is None or end > before[0]:
            last_end[p.track] = (end, p.pattern_id)


# --- arranging -----------------------------------------------------------------------


def _shift_notes(notes: Iterable[Note], delta_ticks: int) -> tuple[Note, ...]:
    return tuple(replace(n, start_tick=n.start_tick + delta_ticks) for n in notes)


def move_items(score: Score, keys: Iterable, delta_ticks: int, delta_tracks: int) -> Score:
    """The song with every item of ``keys`` moved by the same ticks and tracks.

    Raises ``ScoreError`` when an item would leave the song (before tick 0, off the
    tracks) or a placement would land on another.
    """
    keys = list(keys)
    spans = [item_span(score, k) for k in keys]
    if not keys:
        return score
    if min(s[1] for s in spans) + delta_ticks < 0:
        raise ScoreError("nothing can move before the start of the song")
    if max(s[2] for s in spans) + delta_ticks > MAX_TICK:
        raise ScoreError(f"nothing can move beyond tick {MAX_TICK}")
    tracks = [s[0] + delta_tracks for s in spans]
    if min(tracks) < 0 or max(tracks) >= len(score.tracks):
        raise ScoreError("the song has no track there")
    # take every block's notes out first, so blocks moving onto each other's bars keep all
    moving = [(k.track, block_notes(score, k)) for k in keys if isinstance(k, NoteKey)]
    for track, notes in moving:
        score, _ = edits.delete_notes(score, track, notes)
    for track, notes in moving:
        score, _ = edits.add_notes(score, track + delta_tracks, _shift_notes(notes, delta_ticks))
    ids = {k for k in keys if not isinstance(k, NoteKey)}
    if ids:
        placements = tuple(
            replace(p, track=p.track + delta_tracks, start_tick=p.start_tick + delta_ticks)
            if p.id in ids
            else p
            for p in score.placements
        )
        score = replace(score, placements=placements)
        check_placements_free(score)
    return score


def nudge_items(score: Score, keys: Iterable, bars: int, tracks: int) -> tuple[Score, set]:
    """The song with ``keys`` moved by whole bars and tracks (the arrow keys), and the
    keys of what moved.  The earliest item's start goes ``bars`` bar lines on and the rest
    keep their distance to it, as in a drag.  Raises ``ScoreError`` at the song's edges
    and where a placement would land on another."""
    keys = list(keys)
    if not keys:
        return score, set()
    first = min(item_span(score, k)[1] for k in keys)
    bar = score.time_signatures.tick_to_bar_beat(first, score.ppq).bar
    if bar + bars < 0:
        raise ScoreError("nothing can move before the start of the song")
    delta_ticks = score.time_signatures.bar_to_tick(bar + bars, score.ppq) - first
    moved = move_items(score, keys, delta_ticks, tracks)
    return moved, moved_keys(moved, keys, delta_ticks, tracks)


def moved_keys(score: Score, keys: Iterable, d_ticks: int, d_tracks: int) -> set:
    """The keys of ``keys`` once moved: placements keep theirs, a block is found again at
    its new bar and track (it may have joined a neighbour there)."""
    found = set()
    for key in keys:
        if isinstance(key, NoteKey):
            moved = block_at(score, key.track + d_tracks, key.start_tick + d_ticks)
            if moved is not None:
                found.add(moved)
        else:
            found.add(key)
    return found


def delete_items(score: Score, keys: Iterable) -> Score:
    keys = list(keys)
    for key in keys:
        if isinstance(key, NoteKey):
            score, _ = edits.delete_notes(score, key.track, block_notes(score, key))
    ids = {k for k in keys if not isinstance(k, NoteKey)}
    return replace(score, placements=tuple(p for p in score.placements if p.id not in ids))


@dataclass(frozen=True, slots=True)
class SongClip:
    """Copied items, relative to the earliest start and the topmost track of the copy."""

    placements: tuple[tuple[str, int, int, int], ...] = ()  # (pattern id, track, tick, repeats)
    notes: tuple[tuple[int, tuple[Note, ...]], ...] = ()  # (track, notes from tick 0)
    length_ticks: int = 0  # from the earliest start to the latest end
    tracks: int = 0  # rows the copy spans

    def __bool__(self) -> bool:
        return bool(self.placements or self.notes)


def copy_items(score: Score, keys: Iterable) -> SongClip:
    keys = list(keys)
    if not keys:
        return SongClip()
    spans = [item_span(score, k) for k in keys]
    first = min(s[1] for s in spans)
    top = min(s[0] for s in spans)
    placements = []
    notes = []
    for key, (track, start, _end) in zip(keys, spans):
        if isinstance(key, NoteKey):
            notes.append((track - top, _shift_notes(block_notes(score, key), -first)))
        else:
            p = placement(score, key)
            placements.append((p.pattern_id, track - top, start - first, p.repeats))
    return SongClip(
        tuple(placements),
        tuple(notes),
        max(s[2] for s in spans) - first,
        max(s[0] for s in spans) - top + 1,
    )


def paste_clip(score: Score, clip: SongClip, at_tick: int, at_track: int) -> tuple[Score, set]:
    """The song with ``clip`` laid from ``at_tick`` on ``at_track`` down; returns the keys
    of what was pasted (new placements get new ids).  Raises ``ScoreError`` when a
    placement would land on another or the copy needs rows the song does not have."""
    if at_track + clip.tracks > len(score.tracks):
        raise ScoreError(
            f"the copy spans {clip.tracks} tracks: there are not enough below track {at_track + 1}"
        )
    if at_tick < 0 or at_tick + clip.length_ticks > MAX_TICK:
        raise ScoreError(f"a paste must lie between tick 0 and tick {MAX_TICK}")
    keys: set = set()
    for track, notes in clip.notes:
        score, _ = edits.add_notes(score, at_track + track, _shift_notes(notes, at_tick))
    added = []
    for pattern_id, track, tick, repeats in clip.placements:
        if not score.has_pattern(pattern_id):
            raise ScoreError("a copied pattern is no longer in the song")
        added.append(Placement(new_id("a"), pattern_id, at_track + track, at_tick + tick, repeats))
    if added:
        score = replace(score, placements=score.placements + tuple(added))
        check_placements_free(score)
        keys |= {p.id for p in added}
    for track, notes in clip.notes:
        key = block_at(score, at_track + track, at_tick + notes[0].start_tick) if notes else None
        if key is not None:
            keys.add(key)
    return score, keys


def selection_end(score: Score, keys: Iterable) -> int:
    """The bar line at or after the end of the latest item of ``keys`` (duplicates go there)."""
    end = max(item_span(score, k)[2] for k in keys)
    start = _bar_start(score, end)
    return start if start == end else _bar_end(score, end)


def selection_start(score: Score, keys: Iterable) -> tuple[int, int]:
    """(topmost track, earliest start) of ``keys``."""
    spans = [item_span(score, k) for k in keys]
    return min(s[0] for s in spans), min(s[1] for s in spans)
