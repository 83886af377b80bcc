"""Putting the step views into the main window: tabs, shortcuts, playback, roll overlay (GUI thread).

The window keeps the piano roll in a notebook; this adds the "Steps" and "Song" tabs
beside it (the keys that switch between them, F5/F6/F7 and Ctrl+Tab, are in the window's
shortcut table and call ``StepViews.show``), the pattern notes in the roll, and the lit
steps during playback.
"""

from __future__ import annotations

from dataclasses import dataclass

from sequencer_gui.steps.panel import StepsPanel
from sequencer_gui.steps.roll_overlay import PatternNotes
from sequencer_gui.steps.session import PatternSession
from sequencer_gui.steps.song_view import SongView

# The step grid's and song view's own keys and mouse, for Help (the view keys are in the
# window's shortcut table).
SHORTCUTS = (
    ("Click / drag a step", "toggle it, paint the same over the steps crossed"),
    ("Right-drag steps", "erase"),
    ("Shift+drag / wheel on a step", "its velocity"),
    ("Double-click a step", "edit every setting of the step"),
    ("Right-click a lane's name", "sound, name, Euclidean, rhythm tools, remove"),
    ("Arrows, Enter (step grid)", "move the step cursor, toggle its step"),
    ("1-9 (step grid)", "pick a pattern"),
    ("Click / drag (song view)", "place the pattern / move it; drag its end to repeat it"),
    ("Right-click, Delete (song view)", "remove a placement"),
)


@dataclass
class StepViews:
    """What ``mount`` added to the window."""

    session: PatternSession
    panel: StepsPanel
    song: SongView
    overlay: PatternNotes

    def show(self, index: int) -> None:
        """Show view ``index``: 0 the piano roll, 1 the step grid, 2 the song view."""
        self.panel.window.views.select(index)

    def next_view(self) -> None:
        views = self.panel.window.views
        views.select((views.index("current") + 1) % views.index("end"))


def mount(window) -> StepViews:
    """Add the step grid and the song view to ``window`` (its ``views`` notebook)."""
    views = window.views
    session = PatternSession(window.document, window.link)
    panel = StepsPanel(views, window, session)
    song = SongView(views, window, session, show_steps=lambda: views.select(1))
    views.add(panel, text="Steps")
    views.add(song, text="Song")
    overlay = PatternNotes(window.roll)
    window.roll.overlays.append(overlay)
    window.roll.redraw_notes()

    def on_tab(event=None):
        index = views.index("current")
        if index == 1:
            panel.refresh()
            panel.grid.canvas.focus_set()
        elif index == 2:
            song.redraw()
            song.canvas.focus_set()
        else:
            window.roll.canvas.focus_set()

    views.bind("<<NotebookTabChanged>>", on_tab)
    # the pattern notes are not drawn while the roll is hidden: draw them when it shows
    window.roll.bind("<Map>", lambda e: window.roll.redraw_notes(), add="+")

    def on_frame(tick: int) -> None:
        index = views.index("current")
        if index == 1:
            position = window.link.read_position()  # lock-free: the pattern, pass and step
            if position is not None:
                panel.show_position(position)
        elif index == 2:
            song.move_cursor(tick)

    def on_playing(playing: bool) -> None:
        session.set_playing(playing)
        if not playing:
            panel.stopped()

    def on_palette(_palette) -> None:
        overlay.apply_palette()
        panel.grid.apply_palette()
        panel.params.apply_palette()
        song.apply_palette()

    # first, so the roll's own recolouring (which redraws) draws the overlay afresh too
    window.theme.listeners.insert(0, on_palette)
    window.playback.frame_listeners.append(on_frame)
    window.playback.listeners.append(on_playing)
    return StepViews(session, panel, song, overlay)
