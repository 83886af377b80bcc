"""The ruler's tempo and meter lanes in the real window (Xvfb, no engine): flags shown at
their changes, added by double-click, dragged, deleted by right-click, each one undo step."""

import pytest

from engine.core import edits

pytestmark = pytest.mark.gui


class Lanes:
    def __init__(self, window):
        self.window = window
        self.roll = window.roll
        self.ruler = window.roll.ruler
        self.canvas = self.ruler.canvas
        self.t = 10_000

    def x(self, tick: int, dx: float = 0) -> int:
        g = self.roll.geometry
        return round(g.tick_to_x(tick) - g.scroll_x_px + dx)

    def y(self, lane: str) -> int:
        top, bottom = self.ruler.lanes.rows[lane]
        return (top + bottom) // 2

    def send(self, kind, x, y, dt=30):
        self.t += dt
        self.canvas.event_generate(kind, x=x, y=y, time=self.t)

    def double_click(self, lane, tick):
        x, y = self.x(tick, 2), self.y(lane)
        self.t += 1000
        for kind in (
            "<ButtonPress-1>",
            "<ButtonRelease-1>",
            "<ButtonPress-1>",
            "<ButtonRelease-1>",
        ):
            self.send(kind, x, y)
        self.window.root.update()

    def drag(self, lane, from_tick, to_tick):
        y = self.y(lane)
        self.t += 1000
        self.send("<ButtonPress-1>", self.x(from_tick, 2), y)
        for i in range(1, 5):
            x = self.x(from_tick + (to_tick - from_tick) * i // 4, 2)
            self.send("<Motion>", x, y)
            self.canvas.event_generate("<B1-Motion>", x=x, y=y, state=0x100)
        self.send("<ButtonRelease-1>", self.x(to_tick, 2), y)
        self.window.root.update()

    def right_click(self, lane, tick):
        self.send("<ButtonPress-3>", self.x(tick, 2), self.y(lane))
        self.window.root.update()

    def flags(self, lane):
        pool = self.ruler.lanes.labels[lane]
        return sorted((tick, self.canvas.itemcget(pool.item(tick), "text")) for tick in pool.keys())


def tempos(window):
    return [(c.tick, round(c.bpm, 2)) for c in window.document.score.tempo_map.changes]


def meters(window):
    return [
        (s.tick, s.numerator, s.denominator)
        for s in window.document.score.time_signatures.signatures
    ]


def test_tempo_changes_show_as_flags_and_are_added_dragged_and_deleted(window):
    lanes = Lanes(window)
    doc = window.document
    doc.apply(edits.set_tempo(doc.score, 0, 116), "tempo")
    window.root.update()
    assert lanes.flags("tempo") == [(0, "♩ 116")]

    lanes.double_click("tempo", 1920)  # bar 2: a change with the tempo in force
    assert tempos(window) == [(0, 116), (1920, 116)]
    assert doc.history.undo_label == "Add tempo change"
    assert window.roll.cursor_tick == 1920
    assert window.root.focus_get() is window.transport.tempo  # type the new value
    window.transport.tempo.delete(0, "end")
    window.transport.tempo.insert(0, "80")
    window.transport.tempo.event_generate("<Return>")
    window.root.update()
    assert tempos(window) == [(0, 116), (1920, 80)]
    assert lanes.flags("tempo") == [(0, "♩ 116"), (1920, "♩ 80")]

    undo_steps = len(doc.history._undo)
    lanes.drag("tempo", 1920, 2 * 1920 + 480)
    assert tempos(window) == [(0, 116), (2 * 1920 + 480, 80)]
    assert (
        len(doc.history._undo) == undo_steps + 1 and doc.history.undo_label == "Move tempo change"
    )
    lanes.drag("tempo", 0, 960)  # the first tempo stays at the start
    assert tempos(window) == [(0, 116), (2 * 1920 + 480, 80)]

    lanes.right_click("tempo", 2 * 1920 + 480)
    assert tempos(window) == [(0, 116)]
    assert lanes.flags("tempo") == [(0, "♩ 116")]
    lanes.right_click("tempo", 0)  # nothing to delete at the start
    assert tempos(window) == [(0, 116)]
    window.editor.undo()
    assert tempos(window) == [(0, 116), (2 * 1920 + 480, 80)]


def test_meter_changes_snap_to_bar_lines(window):
    lanes = Lanes(window)
    lanes.double_click("meter", 2 * 1920 + 600)  # inside bar 3: goes to its start
    assert meters(window) == [(0, 4, 4), (2 * 1920, 4, 4)]
    assert window.root.focus_get() is window.transport.meter
    window.transport.meter_var.set("3/4")
    window.transport.meter.event_generate("<<ComboboxSelected>>")
    window.root.update()
    assert meters(window) == [(0, 4, 4), (2 * 1920, 3, 4)]
    assert lanes.flags("meter") == [(0, "4/4"), (2 * 1920, "3/4")]
    lanes.drag("meter", 2 * 1920, 3 * 1920 + 300)  # near the start of bar 4
    assert meters(window) == [(0, 4, 4), (3 * 1920, 3, 4)]
    # bars of three beats from bar 4 on
    sigs = window.document.score.time_signatures
    assert sigs.bar_to_tick(5, 480) == 3 * 1920 + 1440
    lanes.right_click("meter", 3 * 1920)
    assert meters(window) == [(0, 4, 4)]


def test_a_click_on_a_flag_moves_the_cursor_to_its_change(window):
    lanes = Lanes(window)
    doc = window.document
    doc.apply(edits.set_tempo(doc.score, 3 * 1920, 90), "tempo")
    window.root.update()
    y = lanes.y("tempo")
    lanes.send("<ButtonPress-1>", lanes.x(3 * 1920, 6), y)
    lanes.send("<ButtonRelease-1>", lanes.x(3 * 1920, 6), y)
    window.root.update()
    assert window.roll.cursor_tick == 3 * 1920
    assert window.transport.position.get() == "4.1.000"
    assert window.transport.tempo_var.get() == "90"


def markers(window):
    return [(m.tick, m.name) for m in window.document.score.markers]


def test_markers_are_added_moved_jumped_to_and_deleted(window):
    lanes = Lanes(window)
    roll = window.roll
    lanes.double_click("marker", 1920)
    assert markers(window) == [(1920, "Marker 1")]
    assert lanes.flags("marker") == [(1920, "Marker 1")]
    lanes.drag("marker", 1920, 3840)
    assert markers(window) == [(3840, "Marker 1")]
    assert window.document.history.undo_label == "Move marker"
    roll.set_cursor(960)
    roll.canvas.focus_force()
    roll.canvas.event_generate("<Control-m>")  # a marker at the cursor
    window.root.update()
    assert markers(window) == [(960, "Marker 2"), (3840, "Marker 1")]
    roll.set_cursor(0)
    for expected in (960, 3840, 3840):
        roll.canvas.event_generate("<Alt-Right>")
        window.root.update()
        assert roll.cursor_tick == expected
    roll.canvas.event_generate("<Alt-Left>")
    window.root.update()
    assert roll.cursor_tick == 960 and window.transport.position.get() == "1.3.000"
    lanes.right_click("marker", 3840)
    assert markers(window) == [(960, "Marker 2")]
