"""The roll's entries of the View menu (rows, fit, scale, drum rows) and the Track menu (GUI thread).

Accelerator texts come from the shortcut table, so a menu never names other keys than
the ones bound.
"""

from __future__ import annotations

import tkinter as tk
from dataclasses import replace

from engine.core.scales import NOTE_NAMES, SCALES, SongScale
from sequencer_gui.roll import navigation, ruler_lanes
from sequencer_gui.roll.rows import RowStyle
from sequencer_gui.shortcuts import accelerator, jump_to_marker


def add_view_entries(window, menu: tk.Menu) -> None:
    """Row zoom, zoom to fit, scale highlighting and drum rows on the View menu."""
    roll = window.roll
    menu.add_command(
        label="Taller Rows",
        accelerator=accelerator("zoom_rows_in"),
        command=lambda: navigation.zoom_vertically(roll, 1.25),
    )
    menu.add_command(
        label="Shorter Rows",
        accelerator=accelerator("zoom_rows_out"),
        command=lambda: navigation.zoom_vertically(roll, 0.8),
    )
    menu.add_command(
        label="Zoom to Selection",
        accelerator=accelerator("fit"),
        command=lambda: navigation.fit(roll),
    )
    menu.add_command(
        label="Zoom to Song",
        accelerator=accelerator("fit_song"),
        command=lambda: navigation.fit(roll, song=True),
    )
    menu.add_separator()
    root, document = window.root, window.document
    window.scale_var = tk.StringVar(root, value=roll.row_style.scale)
    window.root_var = tk.IntVar(root, value=roll.row_style.root)
    window.fold_var = tk.BooleanVar(root, value=roll.row_style.fold)
    window.drum_rows_var = tk.BooleanVar(root, value=roll.row_style.all_drum_rows)

    def apply() -> None:
        # The scale is the song's (saved with it, one undo step); the drum rows the window's.
        scale = SongScale(window.scale_var.get(), window.root_var.get(), window.fold_var.get())
        if scale != document.score.scale:
            document.apply(replace(document.score, scale=scale), "Scale")
        show_song_scale(document, "edit")

    def show_song_scale(doc, _reason: str) -> None:
        scale = doc.score.scale
        style = RowStyle.of_song(scale, window.drum_rows_var.get())
        if style != roll.row_style:
            roll.set_row_style(style)
        window.scale_var.set(scale.name)
        window.root_var.set(scale.root)
        window.fold_var.set(scale.fold)

    document.add_listener(show_song_scale)
    show_song_scale(document, "load")

    scales = tk.Menu(menu, tearoff=False)
    scales.add_radiobutton(label="No Scale", value="", variable=window.scale_var, command=apply)
    for name in SCALES:
        scales.add_radiobutton(label=name, value=name, variable=window.scale_var, command=apply)
    scales.add_separator()
    roots = tk.Menu(scales, tearoff=False)
    for pc, name in enumerate(NOTE_NAMES):
        roots.add_radiobutton(label=name, value=pc, variable=window.root_var, command=apply)
    scales.add_cascade(label="Root", menu=roots, underline=0)
    scales.add_checkbutton(label="Fold to Scale", variable=window.fold_var, command=apply)
    menu.add_cascade(label="Scale", menu=scales, underline=1)
    window.scale_menu, window.scale_root_menu = scales, roots
    menu.add_checkbutton(
        label="All Rows of Drum Tracks", variable=window.drum_rows_var, command=apply
    )


def build_track_menu(window, menu: tk.Menu) -> None:
    tracks = window.tracks
    menu.add_command(label="Add Track", command=tracks.add_track)
    menu.add_command(label="Add Drum Track", command=lambda: tracks.add_track(drums=True))
    menu.add_command(label="Remove Track", command=tracks.remove_track)
    menu.add_separator()
    menu.add_command(
        label="Previous Track",
        accelerator=accelerator("previous_track"),
        command=lambda: tracks.step(-1),
    )
    menu.add_command(
        label="Next Track", accelerator=accelerator("next_track"), command=lambda: tracks.step(1)
    )
    menu.add_command(label="Move Track Up", command=lambda: tracks.move_current(-1))
    menu.add_command(label="Move Track Down", command=lambda: tracks.move_current(1))
    menu.add_separator()
    menu.add_command(
        label="Mute", accelerator=accelerator("mute"), command=lambda: tracks.toggle("mute")
    )
    menu.add_command(
        label="Solo", accelerator=accelerator("solo"), command=lambda: tracks.toggle("solo")
    )
    menu.add_command(label="Colour…", command=tracks.choose_colour)


def add_transport_entries(window, menu: tk.Menu) -> None:
    """Going to a position and a marker, adding tempo, meter and marker changes at the cursor."""
    transport, roll = window.transport, window.roll
    menu.add_separator()
    menu.add_command(
        label="Go to Position…", accelerator=accelerator("go_to"), command=transport.focus_position
    )
    menu.add_command(
        label="Previous Marker",
        accelerator=accelerator("previous_marker"),
        command=lambda: jump_to_marker(window, -1),
    )
    menu.add_command(
        label="Next Marker",
        accelerator=accelerator("next_marker"),
        command=lambda: jump_to_marker(window, 1),
    )
    menu.add_separator()
    menu.add_command(
        label="Add Marker at Cursor",
        accelerator=accelerator("add_marker"),
        command=lambda: ruler_lanes.add_marker(window.document, roll.cursor_tick),
    )
    menu.add_command(
        label="Add Tempo Change at Cursor",
        accelerator=accelerator("add_tempo"),
        command=lambda: transport.apply_tempo(add=True),
    )
    menu.add_command(
        label="Add Meter Change at Cursor", command=lambda: transport.apply_meter(add=True)
    )
    menu.add_command(
        label="Edit Tempo",
        accelerator=accelerator("tempo"),
        command=lambda: transport.focus_box("tempo"),
    )
    menu.add_command(label="Edit Meter", command=lambda: transport.focus_box("meter"))
