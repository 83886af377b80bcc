"""Pooled canvas items: a full sync and an update of a known part (real Tk under Xvfb)."""

import tkinter as tk

import pytest

from sequencer_gui.canvas_pool import ItemPool

pytestmark = pytest.mark.gui


def look(x: int, fill: str = "red") -> tuple:
    return ((x, 0, x + 5, 5), (("fill", fill),))


def test_update_touches_only_the_part_named_and_reuses_items(tk_root):
    canvas = tk.Canvas(tk_root)
    pool = ItemPool(canvas, lambda: canvas.create_rectangle(0, 0, 0, 0), "box")
    pool.sync({"a": look(0), "b": look(10), "c": look(20)})
    items = {k: pool.item(k) for k in "abc"}
    pool.update({"b": look(11, "blue"), "d": look(30)}, gone=["b", "c"])
    assert set(pool.keys()) == {"a", "b", "d"}
    assert pool.created == 3  # c's item went to d
    assert pool.item("d") == items["c"]
    assert canvas.coords(items["a"]) == [0.0, 0.0, 5.0, 5.0]  # untouched
    assert canvas.coords(pool.item("b")) == [11.0, 0.0, 16.0, 5.0]
    assert canvas.itemcget(pool.item("b"), "fill") == "blue"
    assert canvas.coords(pool.item("d")) == [30.0, 0.0, 35.0, 5.0]
    # a full sync still hides what is not wanted
    pool.sync({"a": look(0)})
    assert canvas.itemcget(items["b"], "state") == "hidden"
    assert list(pool.keys()) == ["a"]
