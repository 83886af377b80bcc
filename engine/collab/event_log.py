"""What a session peer's engine scheduled, as JSON lines a test or a musician can compare
between peers (pure; called on the session's owner thread).

One line per note-on and note-off: the transport's epoch, the session beat (session ticks
/ PPQ: every pass of the loop counted), track, key, velocity (0 for an off) and on/off;
and one per channel an edit sets anew (a track made, moved, or its instrument, volume or
pan changed): epoch, beat, track and its mix (drum, bank, program, volume, pan).
"""

from __future__ import annotations

import json

from engine.collab.transport import SessionTimeline


def event_lines(notes, timeline: SessionTimeline, pass_offset: int, epoch: int) -> list[str]:
    """``notes``: (pass, on tick, off tick, track, key, velocity) as the engine reports
    them (its passes counted from its own start, ``pass_offset`` passes after the
    session's)."""
    ppq = timeline.score.ppq
    lines = []
    for pass_index, on_tick, off_tick, track, key, velocity in notes:
        session_pass = pass_index + pass_offset
        if session_pass and not timeline.looping:
            continue  # scheduled before a restart that changed the loop
        for tick, on in ((on_tick, True), (off_tick, False)):
            event = {
                "epoch": epoch,
                "beat": round(timeline.session_tick(session_pass, tick) / ppq, 6),
                "track": track,
                "key": key,
                "velocity": velocity if on else 0,
                "on": on,
            }
            lines.append(json.dumps(event, separators=(",", ":")))
    return lines


def mix_lines(mixes, timeline: SessionTimeline, pass_offset: int, epoch: int) -> list[str]:
    """``mixes``: (pass, tick, track, drum, bank, program, volume, pan) as the engine
    reports them (passes counted as for ``event_lines``)."""
    ppq = timeline.score.ppq
    lines = []
    for pass_index, tick, track, *mix in mixes:
        session_pass = pass_index + pass_offset
        if session_pass and not timeline.looping:
            continue  # set before a restart that changed the loop
        event = {
            "epoch": epoch,
            "beat": round(timeline.session_tick(session_pass, tick) / ppq, 6),
            "track": track,
            "mix": mix,
        }
        lines.append(json.dumps(event, separators=(",", ":")))
    return lines
