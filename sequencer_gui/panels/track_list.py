"""The track list: name, instrument, mute, solo, volume, pan, level; add/remove; pick the edited track (GUI thread).

Instrument, mute and solo are score edits (one undo step each).  Volume and pan are sent
to the engine live while the slider moves and become one undo step on release.
Instrument names come from the SoundFont the engine loaded (its ReadyEvent), or before
that from the bundled SoundFont read directly.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import ttk

from engine.core import edits
from engine.core.score import DRUM_BANK, GM_DRUM_CHANNEL, Track
from sequencer_gui import palette
from sequencer_gui.panels.track_meters import TrackMeterBar
from sequencer_gui.panels.track_order import TrackOrder, pin_colours

MIX_FIELDS = ("name", "bank", "program", "is_drum", "mute", "solo", "volume", "pan")
# what a double-click on a slider restores: a new track's volume and pan
DEFAULT_VOLUME, CENTRE_PAN = Track().volume, Track().pan


def pan_text(pan: int) -> str:
    """A pan value as mixers print it: L64..C..R63."""
    if pan == CENTRE_PAN:
        return "C"
    return f"L{CENTRE_PAN - pan}" if pan < CENTRE_PAN else f"R{pan - CENTRE_PAN}"


def bundled_preset_names() -> dict:
    """Preset names of the bundled SoundFont, or {} when it cannot be read."""
    try:
        from engine.files.soundfonts import BUNDLED_SOUNDFONT, preset_names

        return dict(preset_names(BUNDLED_SOUNDFONT))
    except (ImportError, OSError, ValueError):
        return {}


class TrackRow:
    """The widgets of one track."""

    def __init__(self, parent, tracks: TrackList, index: int):
        self.tracks = tracks
        self.index = index
        self.shown_key: tuple | None = None
        self.frame = ttk.Frame(parent, padding=(0, 3, 2, 3), style="Track.TFrame")
        # the track's colour, as its notes and its song-view lane show it
        self.strip = tk.Frame(self.frame, width=6, highlightthickness=0, borderwidth=0)
        self.name_var = tk.StringVar()
        self.mute_var = tk.BooleanVar()
        self.solo_var = tk.BooleanVar()
        self.volume_var = tk.IntVar()
        self.pan_var = tk.IntVar()
        self.instrument_var = tk.StringVar()
        self.select = ttk.Radiobutton(
            self.frame,
            variable=tracks.current_var,
            value=index,
            command=lambda: tracks.window.document.set_track_index(index),
        )
        self.name = ttk.Entry(self.frame, textvariable=self.name_var, width=12, font="PianolaBold")
        self.name.bind("<Return>", lambda e: self._rename())
        self.name.bind("<FocusOut>", lambda e: self._rename())
        self.instrument = ttk.Combobox(
            self.frame, textvariable=self.instrument_var, width=22, state="readonly"
        )
        self.instrument.bind("<<ComboboxSelected>>", lambda e: self._choose_instrument())
        self.mute = ttk.Checkbutton(
            self.frame,
            text="M",
            style="Mute.Toolbutton",
            variable=self.mute_var,
            command=lambda: self._set("mute", self.mute_var.get()),
        )
        self.solo = ttk.Checkbutton(
            self.frame,
            text="S",
            style="Solo.Toolbutton",
            variable=self.solo_var,
            command=lambda: self._set("solo", self.solo_var.get()),
        )
        self.volume = ttk.Scale(
            self.frame,
            from_=0,
            to=127,
            variable=self.volume_var,
            length=90,
            command=lambda v: self._live("volume", v),
        )
        self.pan = ttk.Scale(
            self.frame,
            from_=0,
            to=127,
            variable=self.pan_var,
            length=60,
            command=lambda v: self._live("pan", v),
        )
        self.volume_text = ttk.Label(self.frame, width=3, anchor="e", style="Value.TLabel")
        self.pan_text = ttk.Label(self.frame, width=3, anchor="e", style="Value.TLabel")
        self._bind_slider(self.volume, "volume")
        self._bind_slider(self.pan, "pan")
        self.strip.grid(row=0, column=0, rowspan=2, sticky="ns", padx=(0, 3))
        self.select.grid(row=0, column=1, rowspan=2)
        self.name.grid(row=0, column=2, sticky="ew")
        self.mute.grid(row=0, column=3, padx=(3, 0))
        self.solo.grid(row=0, column=4, padx=(2, 0))
        self.instrument.grid(row=1, column=2, columnspan=3, sticky="ew", pady=(2, 0))
        ttk.Label(self.frame, text="Vol", style="Dim.TLabel").grid(row=0, column=5, padx=(6, 2))
        self.volume.grid(row=0, column=6)
        self.volume_text.grid(row=0, column=7)
        ttk.Label(self.frame, text="Pan", style="Dim.TLabel").grid(row=1, column=5, padx=(6, 2))
        self.pan.grid(row=1, column=6, sticky="w")
        self.pan_text.grid(row=1, column=7)
        self.meter = TrackMeterBar(self.frame, index)  # this track's own level
        self.meter.canvas.grid(row=0, column=8, rowspan=2, sticky="ns", padx=(4, 0))

    def _bind_slider(self, scale: ttk.Scale, field: str) -> None:
        """A slider's change becomes one undo step on release; a double click resets it."""
        scale.bind("<ButtonRelease-1>", lambda e: self._commit_slider(field))
        scale.bind("<Double-Button-1>", lambda e: self.reset_slider(field))

    def show(self, track: Track) -> None:
        # Note edits make a new Track on every drag motion; only a change of the
        # settings shown here is worth touching the widgets.
        colour = palette.track_colour(track, self.index)
        key = tuple(getattr(track, f) for f in MIX_FIELDS) + (len(self.tracks.presets), colour)
        if key == self.shown_key:
            return
        self.shown_key = key
        self.strip.configure(background=colour)
        self.volume_text.configure(text=str(track.volume))
        self.pan_text.configure(text=pan_text(track.pan))
        self.name_var.set(track.name)
        self.mute_var.set(track.mute)
        self.solo_var.set(track.solo)
        self.volume_var.set(track.volume)
        self.pan_var.set(track.pan)
        names = self.tracks.instrument_names(track.is_drum)
        self.instrument.configure(values=[label for label, _ in names])
        for label, (bank, program) in names:
            if (bank, program) == (track.bank, track.program):
                self.instrument_var.set(label)
                break
        else:
            self.instrument_var.set(f"{track.bank}:{track.program:03d}")

    # --- edits ---------------------------------------------------------------------
    @property
    def document(self):
        return self.tracks.window.document

    def _set(self, label_field: str, value, **more) -> None:
        fields = {label_field: value, **more}
        doc = self.document
        score = edits.update_track(doc.score, self.index, **fields)
        if score.tracks[self.index] != doc.score.tracks[self.index]:
            # the engine link sends the new score, mix included
            doc.apply(score, f"Change track {label_field}")

    def _rename(self) -> None:
        name = self.name_var.get().strip()
        if name and name != self.document.score.tracks[self.index].name:
            self._set("name", name)

    def _choose_instrument(self) -> None:
        track = self.document.score.tracks[self.index]
        for label, (bank, program) in self.tracks.instrument_names(track.is_drum):
            if label == self.instrument_var.get():
                self._set("program", program, bank=bank)
                self.tracks.window.link.preview(
                    self.index, 38 if track.is_drum else 60, 100, self.document.score.ppq
                )
                return

    def _live(self, field: str, value) -> None:
        # While the slider moves the engine hears it at once; the score (and undo) on release.
        value = int(float(value))
        if field == "volume":
            self.volume_text.configure(text=str(value))
        else:
            self.pan_text.configure(text=pan_text(value))
        self.tracks.window.link.set_track_mix(self.index, **{field: value})

    def reset_slider(self, field: str) -> str:
        """Double-click: back to full-scale default volume or centre pan (one undo step)."""
        value = DEFAULT_VOLUME if field == "volume" else CENTRE_PAN
        (self.volume_var if field == "volume" else self.pan_var).set(value)
        self._set(field, value)
        self.shown_key = None
        self.show(self.document.score.tracks[self.index])
        return "break"

    def _commit_slider(self, field: str) -> None:
        var = self.volume_var if field == "volume" else self.pan_var
        self._set(field, int(var.get()))


class TrackList(ttk.Frame):
    """All tracks in a scrolling list, with Add / Add drums / Remove below.

    The list scrolls (wheel or scroll bar) instead of growing the window; a track is
    moved by dragging its coloured strip, and a double-click on the strip chooses its
    colour.
    """

    def __init__(self, master, window):
        super().__init__(master, padding=4)
        self.window = window
        self.presets: dict = bundled_preset_names()
        self.current_var = tk.IntVar(value=0)
        self.rows: list[TrackRow] = []
        self.row_hooks: list = []  # called with each new TrackRow (to add widgets to it)
        buttons = ttk.Frame(self)
        buttons.pack(side="bottom", fill="x", pady=(4, 0))
        ttk.Button(buttons, text="Add track", command=self.add_track).pack(side="left")
        ttk.Button(buttons, text="Add drums", command=lambda: self.add_track(drums=True)).pack(
            side="left", padx=3
        )
        ttk.Button(buttons, text="Remove", command=self.remove_track).pack(side="left")
        self.vbar = ttk.Scrollbar(self, orient="vertical")
        self.scroller = tk.Canvas(
            self, highlightthickness=0, borderwidth=0, background=palette.current().window
        )
        self.scroller.configure(yscrollcommand=self._on_scrolled, yscrollincrement=8)
        self.vbar.configure(command=self.scroller.yview)
        self.scroller.pack(side="left", fill="both", expand=True)
        self.body = ttk.Frame(self.scroller)
        self._body_item = self.scroller.create_window(0, 0, window=self.body, anchor="nw")
        self.body.bind("<Configure>", self._on_body_resized)
        self.scroller.bind("<Configure>", self._on_view_resized)
        self.order = TrackOrder(self)
        self.refresh()
        self._fitted = False
        self.bind("<Map>", lambda e: self.after_idle(self.fit_pane), add="+")

    def fit_pane(self) -> None:
        """Open the list's pane as wide as its rows, so every track shows its volume and
        pan values and its level meter (the pane of views beside it asks for more than
        any window has, and would otherwise squeeze this one); once, then the musician's
        sash stays where it is dragged."""
        panes = self.master
        if self._fitted or not isinstance(panes, ttk.Panedwindow):
            return
        self._fitted = True
        self.update_idletasks()
        panes.sashpos(0, self.winfo_reqwidth())

    # ------------------------------------------------------------------ scrolling
    def _on_body_resized(self, event) -> None:
        self.scroller.configure(
            scrollregion=(0, 0, event.width, event.height), width=self.body.winfo_reqwidth()
        )

    def _on_view_resized(self, event) -> None:
        self.scroller.itemconfigure(self._body_item, width=event.width)

    def _on_scrolled(self, first, last) -> None:
        self.vbar.set(first, last)
        # the scroll bar only when the tracks do not all fit
        if float(first) <= 0.0 and float(last) >= 1.0:
            self.vbar.pack_forget()
        elif not self.vbar.winfo_ismapped():
            self.vbar.pack(side="right", fill="y", before=self.scroller)

    def on_wheel(self, event, delta: int | None = None) -> str:
        delta = event.delta if delta is None else delta
        self.scroller.yview_scroll(-3 if delta > 0 else 3, "units")
        return "break"

    def watch_wheel(self, widget) -> None:
        """Scroll the list with the wheel over ``widget`` and everything in it."""
        for w in [widget, *widget.winfo_children()]:
            w.bind("<MouseWheel>", self.on_wheel)
            w.bind("<Button-4>", lambda e: self.on_wheel(e, 120))
            w.bind("<Button-5>", lambda e: self.on_wheel(e, -120))

    def show_row(self, index: int) -> None:
        """Scroll so the row of track ``index`` is in view."""
        if not 0 <= index < len(self.rows):
            return
        self.update_idletasks()
        frame = self.rows[index].frame
        total = max(1, self.body.winfo_height())
        top, bottom = frame.winfo_y(), frame.winfo_y() + frame.winfo_height()
        first, last = (float(v) for v in self.scroller.yview())
        if top < first * total:
            self.scroller.yview_moveto(top / total)
        elif bottom > last * total:
            self.scroller.yview_moveto((bottom - (last - first) * total) / total)

    def instrument_names(self, drums: bool) -> list[tuple[str, tuple[int, int]]]:
        """(label, (bank, program)) of the SoundFont's melodic or percussion presets."""
        wanted = [(k, v) for k, v in sorted(self.presets.items()) if (k[0] == DRUM_BANK) == drums]
        return [(f"{program:03d} {name}", (bank, program)) for (bank, program), name in wanted]

    def set_presets(self, presets: dict) -> None:
        if presets:
            self.presets = dict(presets)
            for row in self.rows:
                row.shown_key = None  # new instrument names to show
            self.refresh()

    def refresh(self) -> None:
        tracks = self.window.document.score.tracks
        if len(self.rows) != len(tracks):
            for row in self.rows:
                row.frame.destroy()
            self.rows = [TrackRow(self.body, self, i) for i in range(len(tracks))]
            for row in self.rows:
                row.frame.pack(side="top", fill="x")
                self.watch_wheel(row.frame)
                self.order.watch(row)
                for hook in self.row_hooks:
                    hook(row)
        current = self.window.document.track_index
        for row, track in zip(self.rows, tracks):
            row.show(track)
            row.frame.configure(
                style="CurrentTrack.TFrame" if row.index == current else "Track.TFrame"
            )
        self.current_var.set(current)
        self.scroller.configure(background=palette.current().window)

    def step(self, by: int) -> None:
        """Edit the track ``by`` places above (negative) or below the edited one."""
        doc = self.window.document
        doc.set_track_index(max(0, min(len(doc.score.tracks) - 1, doc.track_index + by)))

    def toggle(self, field: str) -> None:
        """Mute or solo the edited track on or off (one undo step)."""
        row = self.rows[self.window.document.track_index]
        var = row.mute_var if field == "mute" else row.solo_var
        var.set(not var.get())
        row._set(field, var.get())

    def add_track(self, drums: bool = False) -> None:
        doc = self.window.document
        score = doc.score
        if drums:
            track = Track(name="Drums", channel=GM_DRUM_CHANNEL, bank=DRUM_BANK, is_drum=True)
        else:
            used = {t.channel for t in score.tracks}
            free = [c for c in range(16) if c != GM_DRUM_CHANNEL and c not in used]
            track = Track(name=f"Track {len(score.tracks) + 1}", channel=free[0] if free else 0)
        doc.apply(edits.add_track(score, track), "Add track")
        doc.set_track_index(len(doc.score.tracks) - 1)
        self.show_row(len(doc.score.tracks) - 1)

    def remove_track(self) -> None:
        doc = self.window.document
        if len(doc.score.tracks) <= 1:
            self.window.set_status("A song keeps at least one track.")
            return
        doc.apply(edits.remove_track(pin_colours(doc.score), doc.track_index), "Remove track")

    def move_current(self, by: int) -> None:
        """Move the edited track up (negative) or down the list, keeping it edited."""
        doc = self.window.document
        self.order.move(doc.track_index, doc.track_index + by)

    def set_colour(self, index: int, colour: str) -> None:
        """Give track ``index`` a colour ("" = the automatic one), one undo step."""
        doc = self.window.document
        score = edits.update_track(doc.score, index, colour=colour)
        if score != doc.score:
            doc.apply(score, "Change track colour")

    def choose_colour(self, index: int | None = None) -> None:
        """Ask for a track's colour (the edited track's by default)."""
        from tkinter import colorchooser

        doc = self.window.document
        index = doc.track_index if index is None else index
        current = palette.track_colour(doc.score.tracks[index], index)
        _, chosen = colorchooser.askcolor(
            current, parent=self.window.root, title=f"Colour of {doc.score.tracks[index].name}"
        )
        if chosen:
            self.set_colour(index, chosen.lower())
