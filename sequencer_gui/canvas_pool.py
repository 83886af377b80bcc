"""Pooled canvas items: created once, moved and recoloured, never redrawn (GUI thread).

A pool shows a set of *keys* (a note, a grid-line tick...) as items of one kind.  Each
``sync(wanted)`` hides the items whose key left the view (keeping them for reuse), gives
new keys a hidden item or a fresh one, and touches an item only when its coordinates or
options differ from what it already shows: scrolling over a long song costs a few Tcl
calls for the notes entering the view, not one per visible note.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable


class ItemPool:
    """Items of one kind on one canvas, keyed by what they show."""

    def __init__(self, canvas, create: Callable[[], int], tag: str):
        self.canvas = canvas
        self._create = create
        self.tag = tag
        self._items: dict[Hashable, int] = {}
        self._shown: dict[int, tuple] = {}  # item -> (coords, options) it shows now
        self._free: list[int] = []
        self.created = 0  # how many items were ever made (tests check recycling)

    def __len__(self) -> int:
        return len(self._items)

    def item(self, key) -> int | None:
        return self._items.get(key)

    def keys(self) -> Iterable:
        return self._items.keys()

    def sync(self, wanted: dict) -> bool:
        """Show exactly ``wanted`` (key -> (coords tuple, options tuple of pairs)).

        Returns True when new items had to be created (the caller restacks then).
        """
        return self.update(wanted, [k for k in self._items if k not in wanted])

    def update(self, wanted: dict, gone) -> bool:
        """Show ``wanted`` and hide the keys of ``gone`` that it lacks; every other key
        stays as it is (when only a known part of the view changed, its keys alone are
        looked at).  Returns True when new items had to be created."""
        canvas = self.canvas
        grew = False
        # Items whose key left the view go straight to keys entering it, still shown:
        # moving them costs one coords() instead of hide + show + coords.
        leaving = [self._items.pop(k) for k in gone if k not in wanted and k in self._items]
        for key, look in wanted.items():
            item = self._items.get(key)
            if item is None:
                if leaving:
                    item = leaving.pop()
                elif self._free:
                    item = self._free.pop()
                else:
                    item = self._create()
                    canvas.addtag_withtag(self.tag, item)
                    self.created += 1
                    grew = True
                self._items[key] = item
            shown = self._shown.get(item)
            if shown == look:
                continue
            coords, options = look
            if shown is None or shown[0] != coords:
                canvas.coords(item, *coords)
            if shown is None:
                canvas.itemconfigure(item, state="normal", **dict(options))
            elif shown[1] != options:
                canvas.itemconfigure(item, **dict(options))
            self._shown[item] = look
        for item in leaving:
            canvas.itemconfigure(item, state="hidden")
            self._shown.pop(item, None)
            self._free.append(item)
        return grew

    def forget_looks(self) -> None:
        """Forget what the items show, so the next ``sync`` sets every option again
        (after a theme switch changed colours the keys do not know about)."""
        self._shown.clear()

    def restyle(self, key, options: tuple) -> None:
        """Change the options of one shown key (e.g. a note lighting up)."""
        item = self._items.get(key)
        if item is None:
            return
        if item not in self._shown:  # looks forgotten: the next sync sets them anyway
            self.canvas.itemconfigure(item, **dict(options))
            return
        coords, shown = self._shown[item]
        if shown != options:
            self.canvas.itemconfigure(item, **dict(options))
            self._shown[item] = (coords, options)
