"""The track list: name, instrument, mute, solo, volume, pan; add/remove; pick the edited track (GUI thread).

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
        self.shown_key = None
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
        for scale, field in ((self.volume, "volume"), (self.pan, "pan")):
            scale.bind("<ButtonRelease-1>", lambda e, f=field: self._commit_slider(f))
            scale.bind("<Double-Button-1>", lambda e, f=field: self.reset_slider(f))
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
            doc.apply(score, f"Change track {label_field}")
            mix = {
                k: v
                for k, v in fields.items()
                if k in ("program", "bank", "volume", "pan", "mute", "solo")
            }
            if mix:
                self.tracks.window.link.set_track_mix(self.index, **mix)

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
    """All tracks, with Add / Add drums / Remove below."""

    def __init__(self, master, window):
        super().__init__(master, padding=4)
        self.window = window
        self.presets: dict = bundled_preset_names()
        self.current_var = tk.IntVar(value=0)
        self.rows: list[TrackRow] = []
        self.body = ttk.Frame(self)
        self.body.pack(side="top", fill="x")
        buttons = ttk.Frame(self)
        buttons.pack(side="top", fill="x", pady=4)
        ttk.Button(buttons, text="Add track", command=self.add_track).pack(side="left")
        ttk.Button(buttons, text="Add drums", command=lambda: self.add_track(drums=True)).pack(
            side="left", padx=3
        )
        ttk.Button(buttons, text="Remove", command=self.remove_track).pack(side="left")
        self.refresh()

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
        current = self.window.document.track_index
        for row, track in zip(self.rows, tracks):
            row.show(track)
            row.frame.configure(
                style="CurrentTrack.TFrame" if row.index == current else "Track.TFrame"
            )
        self.current_var.set(current)

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

    def remove_track(self) -> None:
        doc = self.window.document
        if len(doc.score.tracks) <= 1:
            self.window.set_status("A song keeps at least one track.")
            return
        doc.apply(edits.remove_track(doc.score, doc.track_index), "Remove track")
