"""Undo and redo of one's own edits in the shared song, stamped like any edit (runs on the
thread that owns the document; a mixin of ``engine.collab.song_doc.SongDoc``).

pycrdt's ``UndoManager`` tracks only this peer's own transactions, so an undo takes back
only one's own edits.  What it changed is then stamped where every peer can reach it: a
note, track, pattern or placement that comes back carries the stamp as where it begins
to sound, one that goes leaves it in ``gone``, and fields the undo changed (the song's
tempo, meter and loop, a pattern's steps and lanes too) get a write of their own at the
stamp that says again what is in force (``engine.collab.field_log``): the undo removed
the edit's write, which would otherwise change what plays from that write's stamp on,
already heard everywhere.
"""

from __future__ import annotations

from pycrdt import Map, UndoManager

from engine.collab.field_log import MADE, folded
from engine.collab.pattern_doc import pattern_state
from engine.collab.pattern_write import changed_fields
from engine.collab.song_schema import (
    PATTERN_KEY,
    PLACEMENT_KEY,
    SONG_FIELDS,
    SONG_KEY,
    STAMP,
    TRACK_KEY,
    Changes,
    SongMaps,
    song_settings,
)


class SongUndoing(SongMaps):
    """The undo half of ``SongDoc`` (it holds the document, its maps and caches)."""

    # made by SongDoc.__init__
    undo_manager: UndoManager
    _pending: Changes
    _raw: dict[str, dict]

    def _read_in(self) -> None:  # SongDoc's
        raise NotImplementedError

    def written_map(self, key: str):  # SongEntries'
        raise NotImplementedError

    def _set_fields(self, target: Map, values: dict, at, ppq: int, undo: bool = False) -> None:
        raise NotImplementedError  # SongWriting's

    def undo(self, at: tuple[int, int] | None = None) -> bool:
        """Undo this peer's last edit; ``at``: where it stops sounding (while playing)."""
        return self._undo_redo(self.undo_manager.undo, at)

    def redo(self, at: tuple[int, int] | None = None) -> bool:
        return self._undo_redo(self.undo_manager.redo, at)

    def _undo_redo(self, action, at) -> bool:
        self._read_in()
        raw = dict(self._raw)  # every note's, track's, pattern's... map before the undo
        settings = song_settings(self.score())
        ppq = self.score().ppq
        if not action():
            return False
        changed = set(self._pending.note_ids)
        changed |= {PATTERN_KEY + i for i in self._pending.pattern_ids}
        changed |= {PLACEMENT_KEY + i for i in self._pending.placement_ids}
        changed |= {TRACK_KEY + i for i in self._pending.track_ids}
        if self._pending.song:
            now = song_settings(self.score())
            changed |= {key for key in now if now[key] != settings[key]}
        if not changed:
            return True
        # (an untracked transaction, so undo skips it)
        with self.doc.transaction(origin=STAMP):
            song_names = [
                name
                for key in changed
                if key.startswith(SONG_KEY)
                for name in SONG_FIELDS[key[len(SONG_KEY) :]]
            ]
            if song_names and SONG_KEY in raw:
                self._restate(self.song, raw[SONG_KEY], at, ppq, song_names)
            for key in changed:
                if key.startswith(SONG_KEY):
                    continue
                value = self.written_map(key)
                if isinstance(value, Map) and key in raw:
                    self._restate(value, raw[key], at, ppq, pattern=key.startswith(PATTERN_KEY))
                elif isinstance(value, Map) and at is not None:
                    value[MADE] = list(at)  # back from the stamp on
                elif key in raw and at is not None:
                    self.gone[key] = list(at)
        return True

    def _restate(
        self, value: Map, before: dict, at, ppq: int, names=None, pattern: bool = False
    ) -> None:
        """The fields an undo or redo changed (of ``names`` only, when given), written
        again at ``at`` as it left them: the fold of the writes without earlier
        restatements, which is what every musician's own edits and undos now say."""
        if pattern:  # fields of its lanes and steps, each by name
            values = changed_fields(
                pattern_state(before, intended=True),
                pattern_state(value.to_py() or {}, intended=True),
            )
        else:
            was = folded(before, intended=True)
            now = folded(value.to_py() or {}, intended=True)
            values = {
                k: v
                for k, v in now.items()
                if k != MADE and was.get(k) != v and (names is None or k in names)
            }
        if values:
            self._set_fields(value, values, at, ppq, undo=True)
