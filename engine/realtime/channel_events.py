"""What the scheduler sends on a synth channel besides notes: each track's mix, its
controller events, the metronome's clicks and the resets after a stop (engine scheduler
thread, under the scheduler's lock).

Every track has a channel of its own (``track_channel``), so tracks never share a program;
the metronome clicks on the synth's last channel, which no track of fewer than 256 uses.
"""

from __future__ import annotations

import bisect
from operator import attrgetter

from engine.core import metronome
from engine.core.controllers import CC_PAN, CC_VOLUME, resets
from engine.core.note import SYNTH_CHANNELS
from engine.core.playback_timeline import PlaybackTimeline
from engine.core.score import DRUM_BANK, Score, Track
from engine.realtime.sent_notes import NoteStarts

METRONOME_CHANNEL = SYNTH_CHANNELS - 1  # the synth's last channel: the click never shares a track's

_TICK = attrgetter("tick")


def track_channel(track_index: int) -> int:
    """The synth channel of a track: its own, so tracks never share a program."""
    return track_index % SYNTH_CHANNELS


def bank_of(track: Track) -> int:
    """The bank a track plays from: a drum track below the drum bank plays the drum bank."""
    return DRUM_BANK if track.is_drum and track.bank < DRUM_BANK else track.bank


def track_mix(track: Track) -> tuple[bool, int, int, int, int, str]:
    """What a track's channel is set to: (drum, bank, program, volume, pan, output)."""
    return (track.is_drum, bank_of(track), track.program, track.volume, track.pan, track.output)


def mix_changes(old: tuple[Track, ...], new: tuple[Track, ...]) -> list[tuple[int, tuple]]:
    """(track index, its mix) of every channel whose mix ``new`` changes."""
    return [
        (index, track_mix(track))
        for index, track in enumerate(new)
        if index >= len(old) or track_mix(old[index]) != track_mix(track)
    ]


def apply_mix(backend, tracks: tuple[Track, ...], applied: dict[int, tuple]) -> None:
    """Send each track's channel type, program, volume and pan where they differ from
    ``applied`` (channel -> the mix last sent to it), which is brought up to date."""
    for index, track in enumerate(tracks):
        channel = track_channel(index)
        mix = track_mix(track)
        bank = mix[1]
        if applied.get(channel) == mix:
            continue
        backend.set_channel_type(channel, track.is_drum)
        if not backend.program_now(channel, bank, track.program) and track.is_drum:
            backend.program_now(channel, DRUM_BANK, 0)  # a kit the font lacks: its standard kit
        backend.control_now(channel, CC_VOLUME, track.volume)
        backend.control_now(channel, CC_PAN, track.pan)
        applied[channel] = mix


def reset_controllers(backend, tracks: tuple[Track, ...]) -> None:
    """Lift the sustain pedal and centre the pitch wheel where the song used them."""
    for index, track in enumerate(tracks):
        for event in resets(track.controllers):
            if event.kind == "control":
                backend.control_now(track_channel(index), event.number, event.value)
            elif hasattr(backend, "pitch_bend_now"):
                backend.pitch_bend_now(track_channel(index), event.value)


def send_controllers(
    backend,
    timeline: PlaybackTimeline,
    tracks: tuple[Track, ...],
    starts: NoteStarts,
    audible_order: tuple[int, ...],
    start_frame: int,
    end_frame: int,
) -> None:
    """The controller events of the audible tracks in [start_frame, end_frame)."""
    schedule = getattr(backend, "schedule_event", None)
    if schedule is None or not any(starts.controllers):
        return
    for seg in timeline.segments(start_frame, end_frame):
        if not starts.any_in(seg.start_tick, seg.end_tick):
            continue
        for index in audible_order:
            events = tracks[index].controllers
            lo = bisect.bisect_left(events, seg.start_tick, key=_TICK)
            hi = bisect.bisect_left(events, seg.end_tick, key=_TICK)
            for event in events[lo:hi]:
                frame = timeline.frame_of(seg.index, event.tick)
                schedule(frame, track_channel(index), event, bank_of(tracks[index]), 0)


def prepare_metronome(backend) -> None:
    """Make the metronome's channel a drum channel playing the standard kit."""
    backend.set_channel_type(METRONOME_CHANNEL, True)
    backend.program_now(METRONOME_CHANNEL, DRUM_BANK, 0)


def send_clicks(
    backend,
    timeline: PlaybackTimeline,
    score: Score,
    volume: int,
    start_frame: int,
    end_frame: int,
) -> None:
    """The metronome's clicks in [start_frame, end_frame), at ``volume`` percent."""
    length = backend.sample_rate * metronome.CLICK_MS // 1000
    for seg in timeline.segments(start_frame, end_frame):
        for tick, accented in metronome.clicks(
            score.time_signatures, score.ppq, seg.start_tick, seg.end_tick
        ):
            click(backend, timeline.frame_of(seg.index, tick), accented, volume, length)


def send_count_in(
    backend,
    score: Score,
    tick: int,
    bars: int,
    volume: int,
    start_frame: int,
    applied_until: int | None = None,
    struck: tuple[int, ...] = (),
) -> tuple[int, ...]:
    """``bars`` bars of clicks ending at ``start_frame``, where ``tick`` will sound (the
    meter and tempo in force there); returns the frames of all of them.  After a
    withdrawal that took their events after ``applied_until``: the clicks already struck
    (at the frames ``struck``) get their note-offs again, so none hangs, and only the
    others are sent again (a count-in re-timed to a new tempo keeps its number of clicks)."""
    count_frames, clicks = metronome.count_in(
        score.time_signatures, score.tempo_map, score.ppq, backend.sample_rate, tick, bars
    )
    length = backend.sample_rate * metronome.CLICK_MS // 1000
    frames = []
    for index, (offset, accented) in enumerate(clicks):  # tag 0: withdrawn by a stop
        if index < len(struck):
            frame = struck[index]
            if applied_until is not None and frame + length > applied_until:
                backend.schedule_note_off(frame + length, METRONOME_CHANNEL, metronome.CLICK_KEY)
        else:
            frame = start_frame - count_frames + offset
            if applied_until is None or frame > applied_until:
                click(backend, frame, accented, volume, length)
        frames.append(frame)
    return tuple(frames)


def count_in_frames(backend, score: Score, tick: int, bars: int) -> int:
    frames, _ = metronome.count_in(
        score.time_signatures, score.tempo_map, score.ppq, backend.sample_rate, tick, bars
    )
    return frames


def click(backend, frame: int, accented: bool, volume: int, length: int) -> None:
    key, vel = metronome.CLICK_KEY, metronome.velocity(accented, volume)
    backend.schedule_note_on(frame, METRONOME_CHANNEL, key, vel, tag=0)
    backend.schedule_note_off(frame + length, METRONOME_CHANNEL, key, tag=0)
