"""The keyboard at the roll's left: click a key to hear it; drum names on drum tracks (GUI thread).

128 key items and their labels are made once; a zoom moves them, a track change relabels
them.  The canvas scrolls vertically with the note grid.
"""

from __future__ import annotations

import tkinter as tk

from engine.core.gm_drums import GM_DRUM_NAMES, is_black_key, key_label
from sequencer_gui import palette
from sequencer_gui.fonts import SMALL
from sequencer_gui.roll.geometry import PITCH_COUNT


class Keyboard:
    """Piano keys (or GM drum names) for the roll's rows."""

    def __init__(self, roll):
        self.roll = roll
        self.canvas = tk.Canvas(
            roll,
            width=roll.KEYBOARD_WIDTH,
            height=480,
            highlightthickness=0,
            borderwidth=0,
            background=palette.current().canvas,
            yscrollincrement=1,
            confine=False,
        )
        c = self.canvas
        self.key_items: dict[int, int] = {}
        self.label_items: dict[int, int] = {}
        for pitch in range(PITCH_COUNT):
            self.key_items[pitch] = c.create_rectangle(0, 0, 0, 0)
            self.label_items[pitch] = c.create_text(0, 0, anchor="e", font=SMALL)
        self.pressed: int | None = None
        c.bind("<ButtonPress-1>", self._on_press)
        c.bind("<ButtonRelease-1>", self._on_release)
        self.layout()

    def key_fill(self, pitch: int) -> str:
        colours = palette.current()
        if is_black_key(pitch) and not self.roll.track.is_drum:
            return colours.key_black
        return colours.key_white

    def apply_palette(self, colours) -> None:
        self.canvas.configure(background=colours.canvas)
        self.layout()

    def layout(self) -> None:
        """Place, colour and name the keys for the rows shown (after a zoom, a fold, a
        track change): piano keys, or a drum map's instrument names on plain keys."""
        roll = self.roll
        g = roll.geometry
        drum = roll.track.is_drum
        colours = palette.current()
        width = roll.KEYBOARD_WIDTH
        c = self.canvas
        for pitch, item in self.key_items.items():
            label = self.label_items[pitch]
            if not g.shows(pitch):
                c.itemconfigure(item, state="hidden")
                c.itemconfigure(label, state="hidden")
                continue
            y = g.pitch_to_y(pitch)
            black = is_black_key(pitch) and not drum
            c.coords(item, 0, y, width * 0.62 if black else width, y + g.key_height_px)
            c.coords(label, width - 3, y + g.key_height_px / 2)
            fill = colours.key_pressed if pitch == self.pressed else self.key_fill(pitch)
            c.itemconfigure(item, state="normal", fill=fill, outline=colours.key_line)
            # Note names on every C only (or every row when there is room); drum names on
            # every row that has one, since each row is a different instrument.
            show = (drum and pitch in GM_DRUM_NAMES) or pitch % 12 == 0 or g.key_height_px >= 16
            c.itemconfigure(
                label,
                state="normal",
                text=key_label(pitch, drum) if show else "",
                fill=colours.key_text_black if black else colours.key_text_white,
            )

    relabel = layout

    def pitch_at(self, event) -> int:
        return self.roll.geometry.y_to_pitch(self.canvas.canvasy(event.y))

    def _on_press(self, event) -> None:
        pitch = self.pitch_at(event)
        self.pressed = pitch
        self.canvas.itemconfigure(self.key_items[pitch], fill=palette.current().key_pressed)
        self.roll.audition.preview_on(self.roll.track_index, pitch, self.roll.new_velocity)

    def _on_release(self, event) -> None:
        pitch, self.pressed = self.pressed, None
        if pitch is None:
            return
        self.canvas.itemconfigure(self.key_items[pitch], fill=self.key_fill(pitch))
        self.roll.audition.preview_off(self.roll.track_index, pitch)
