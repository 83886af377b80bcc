"""Putting the step views into the main window: tabs, shortcuts, playback, roll overlay (GUI thread).

The window keeps the piano roll in a notebook; this adds the "Steps" and "Song" tabs
beside it (the keys that switch between them, F5/F6/F7 and Ctrl+Tab, are in the window's
shortcut table and call ``StepViews.show``), the pattern notes in the roll, and the lit
steps during playback.
"""

from __future__ import annotations

from dataclasses import dataclass

from sequencer_gui.steps.panel import StepsPanel
from sequencer_gui.steps.playhead import step_of_note
from sequencer_gui.steps.roll_overlay import PatternNoteHit, PatternNotes
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
    ("Ctrl+arrows (step grid)", "move the step under the cursor along its lane or across"),
    ("1-9 (step grid)", "pick a pattern"),
    ("Click / drag (song view)", "place the pattern / move it; drag its end to repeat it"),
    ("Shift+click / drag (song view)", "select several placements and note blocks"),
    ("Drag the selection (song view)", "move everything selected together"),
    ("Ctrl+drag the selection (song)", "copy everything selected there"),
    ("Ctrl+C/X/V, Ctrl+D (song view)", "copy, cut, paste at the cursor, duplicate"),
    ("Right-click, Delete (song view)", "remove a placement / the selection"),
    ("Double-click a note block", "open its notes in the piano roll"),
    ("Click a pattern note (roll)", "show its step in the step grid (double-click: open it)"),
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

    def pattern_note_pressed(self, hit: PatternNoteHit, double: bool) -> None:
        """A click on a pattern note in the roll: its placement and pattern are selected,
        the step grid's cursor goes to the step that plays it, and the status bar says
        where to edit it; a double-click opens the step grid there."""
        score = self.panel.document.score
        pattern = score.pattern(hit.placement.pattern_id)
        self.session.select(pattern.id)  # (a new pattern resets the grid's cursor)
        self.song.select({hit.placement.id})
        pass_start = hit.placement.start_tick + hit.pass_index * pattern.pass_ticks(score.ppq)
        where = step_of_note(
            pattern, hit.pass_index, hit.start_tick - pass_start, hit.pitch, score.ppq
        )
        if where is None:
            step_text = "a step"
        else:
            grid = self.panel.grid_view
            grid.cursor = where
            grid.show_cursor()
            self.panel.params.redraw()
            lane = self.panel.lane_name(pattern.lanes[where[0]])
            step_text = f"step {where[1] + 1} of {lane}"
        self.panel.window.set_status(
            f"This note is {step_text} in pattern “{pattern.name}”: edit it in the step grid "
            "(double-click the note to open it there)."
        )
        if double:
            self.show(1)


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
    views_added = StepViews(session, panel, song, overlay)
    overlay.on_press = views_added.pattern_note_pressed

    def on_tab(event=None):
        index = views.index("current")
        if index == 1:
            panel.refresh()
            panel.grid_view.canvas.focus_set()
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
        panel.grid_view.apply_palette()
        panel.params.apply_palette()
        song.apply_palette()

    # first, so the roll's own recolouring (which redraws) draws the overlay afresh too
    window.theme.listeners.insert(0, on_palette)
    window.playback.frame_listeners.append(on_frame)
    window.playback.listeners.append(on_playing)
    return views_added
