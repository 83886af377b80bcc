"""Helpers for driving the real piano-roll window with Tk events in tests."""

from __future__ import annotations

from sequencer_gui.roll.editing import ALT, CONTROL, SHIFT

BUTTON1 = 0x100

__all__ = ["ALT", "CONTROL", "SHIFT", "BUTTON1", "Driver"]


class Driver:
    """Clicks and keys on a ``MainWindow`` in world coordinates of its roll."""

    def __init__(self, window):
        self.window = window
        self.roll = window.roll
        self.canvas = window.roll.canvas
        self.root = window.root

    def view(self, x: float, y: float) -> tuple[int, int]:
        return round(x - self.canvas.canvasx(0)), round(y - self.canvas.canvasy(0))

    def at(self, tick: int, pitch: int, dx_px: float = 0) -> tuple[float, float]:
        """World point over the middle of a pitch's row at a tick (plus dx pixels)."""
        g = self.roll.geometry
        return g.tick_to_x(tick) + dx_px, g.pitch_to_y(pitch) + g.key_height_px / 2

    def press(self, x, y, state=0, button=1):
        vx, vy = self.view(x, y)
        self.canvas.event_generate(f"<ButtonPress-{button}>", x=vx, y=vy, state=state)
        self.root.update()

    def move(self, x, y, state=0):
        vx, vy = self.view(x, y)
        self.canvas.event_generate("<Motion>", x=vx, y=vy, state=state | BUTTON1)
        self.root.update()

    def release(self, x, y, state=0, button=1):
        vx, vy = self.view(x, y)
        self.canvas.event_generate(
            f"<ButtonRelease-{button}>", x=vx, y=vy, state=state | (BUTTON1 if button == 1 else 0)
        )
        self.root.update()

    def click(self, x, y, state=0, button=1):
        self.press(x, y, state, button)
        self.release(x, y, state, button)

    def drag(self, start, end, state=0, steps=4):
        (x0, y0), (x1, y1) = start, end
        self.press(x0, y0, state)
        for i in range(1, steps + 1):
            self.move(x0 + (x1 - x0) * i / steps, y0 + (y1 - y0) * i / steps, state)
        self.release(x1, y1, state)

    def key(self, sequence: str):
        self.canvas.focus_force()
        self.root.update()
        self.canvas.event_generate(sequence)
        self.root.update()

    # --- what the canvas shows -----------------------------------------------------
    def item(self, note):
        return self.roll.note_pool.item(note)

    def coords(self, note):
        item = self.item(note)
        return None if item is None else [round(c, 3) for c in self.canvas.coords(item)]

    def fill(self, note):
        return self.canvas.itemcget(self.item(note), "fill")

    def shown(self, note) -> bool:
        item = self.item(note)
        return item is not None and self.canvas.itemcget(item, "state") != "hidden"

    def visible_note_items(self) -> int:
        return sum(
            1
            for item in self.canvas.find_withtag("note")
            if self.canvas.itemcget(item, "state") != "hidden"
        )
