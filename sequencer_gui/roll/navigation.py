"""Getting around the roll: vertical zoom, zoom to fit, bringing a track's notes into view (GUI thread).

Each function computes the new view with the pure geometry and hands it to the roll in
one ``set_geometry``.
"""

from __future__ import annotations


def zoom_vertically(roll, factor: float, anchor_view_y: float | None = None) -> None:
    """Taller (factor > 1) or shorter rows, the row under ``anchor_view_y`` kept put."""
    g = roll.geometry
    if anchor_view_y is None:
        anchor_view_y = g.height_px / 2
    roll.set_geometry(g.zoomed_vertically(factor, anchor_view_y))


def _extent(notes) -> tuple[int, int, int, int] | None:
    notes = list(notes)
    if not notes:
        return None
    return (
        min(n.start_tick for n in notes),
        max(n.end_tick for n in notes),
        min(n.pitch for n in notes),
        max(n.pitch for n in notes),
    )


def fit(roll, song: bool = False) -> bool:
    """Zoom so the selection (or, with none or ``song``, the whole song) fills the view.

    The song is every note the roll shows (a drum map: its own kit).  Returns False when
    there is nothing to fit.
    """
    notes = roll.selection if roll.selection and not song else None
    if notes is None:
        tracks = roll.score.tracks
        if roll.track.is_drum:
            tracks = (roll.track,)
        notes = [n for t in tracks for n in t.notes if roll.geometry.shows(n.pitch)]
    extent = _extent(notes)
    if extent is None:
        return False
    start, end, low, high = extent
    if song or not roll.selection:
        start = 0
    roll.set_geometry(roll.geometry.fitted(start, end, low, high))
    return True


def reveal_track(roll) -> None:
    """Scroll up or down to the edited track's notes when none of them is in view
    (selecting a track must show its notes, a drum track its kit)."""
    g = roll.geometry
    track = roll.track
    start, end = g.visible_ticks()
    low, high = g.visible_pitches()
    near = track.notes_in_range(start, end) or track.notes
    if not near or any(low <= n.pitch <= high for n in near):
        return
    pitches = sorted(n.pitch for n in near)
    roll.set_geometry(g.centred_on_pitch(pitches[len(pitches) // 2]))


def track_to_show(roll) -> int:
    """The track to edit when a song opens: the first with notes in view at its start
    (else the first with any notes), so the window opens on music, not an empty lane."""
    g = roll.geometry
    start, end = g.visible_ticks()
    score = roll.score
    tracks = score.tracks
    # pattern placements are music too: a drum track may hold nothing else
    placed = {p.track for p in score.placements}
    placed_in_view = {
        p.track
        for p in score.placements
        if p.start_tick < end and score.placement_end_tick(p) > start
    }
    for index, track in enumerate(tracks):
        if track.notes_in_range(start, end) or index in placed_in_view:
            return index
    for index, track in enumerate(tracks):
        if track.notes or index in placed:
            return index
    return 0


def show_song(roll) -> None:
    """After a song opens: edit a track that plays at the start and scroll to its notes."""
    document = roll.document
    index = track_to_show(roll)
    if index != document.track_index:
        document.set_track_index(index)  # its "track" notice reveals the notes
    else:
        reveal_track(roll)
