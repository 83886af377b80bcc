"""The chunk structure of a Standard MIDI File, checked before mido reads it (pure).

mido reads as many track chunks as the header announces and trusts every chunk length,
so damage it does not notice is read as a smaller song: a header announcing fewer tracks
than the file holds drops the rest, a track chunk of length 0 ends its track at once, a
header of format 3 is taken at its word.  It also reads a variable-length number of any
length, in time that grows with the square of its length.  This walk (linear in the
file's size) checks the header, every chunk and every event's extent first, and returns
a byte image holding only the header and the track chunks, which is all mido needs.

Refusals are ``SmfDamage`` with a phrase for ``FileFormatError``.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

VLQ_MAX_BYTES = 4  # the standard's limit: 0x0FFFFFFF
_END_OF_TRACK = 0x2F
# Data bytes after a channel status byte, by its high nibble.
_CHANNEL_DATA = {0x8: 2, 0x9: 2, 0xA: 2, 0xB: 2, 0xC: 1, 0xD: 1, 0xE: 2}


class SmfDamage(ValueError):
    """What is wrong with the file, as a phrase ("track 2 is cut short")."""


@dataclass(frozen=True, slots=True)
class SmfLayout:
    format: int
    division: int  # ticks per quarter note when positive
    track_count: int
    image: bytes  # header + track chunks only, ready for mido


def _damaged(what: str) -> SmfDamage:
    return SmfDamage(f"the MIDI file is damaged ({what})")


def _vlq(data: bytes, pos: int, end: int, track: int) -> tuple[int, int]:
    value = 0
    for i in range(VLQ_MAX_BYTES):
        if pos + i >= end:
            raise _damaged(f"track {track} ends in the middle of an event")
        byte = data[pos + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, pos + i + 1
    raise _damaged(
        f"track {track} holds a variable-length number longer than {VLQ_MAX_BYTES} bytes "
        f"(at byte {pos})"
    )


def _length_wrong(track: int, start: int, end: int) -> SmfDamage:
    return _damaged(f"track {track}'s chunk length ({end - start} bytes) does not match its events")


def _check_events(data: bytes, start: int, end: int, track: int) -> bool:
    """Walk the events of the track chunk data[start:end]: each must lie inside it, and
    an end-of-track event, if any, must be the last thing in it.  Whether it had one."""
    pos = start
    running = None
    while pos < end:
        _, pos = _vlq(data, pos, end, track)
        if pos >= end:
            raise _damaged(f"track {track} ends in the middle of an event")
        status = data[pos]
        if status < 0x80:
            if running is None:
                raise _damaged(f"track {track} has data with no status byte (at byte {pos})")
            status = running
        else:
            pos += 1
        if status == 0xFF:
            if pos >= end:
                raise _damaged(f"track {track} ends in the middle of an event")
            kind = data[pos]
            length, pos = _vlq(data, pos + 1, end, track)
            pos += length
            if kind == _END_OF_TRACK:
                if pos != end:
                    raise _length_wrong(track, start, end)
                return True
        elif status in (0xF0, 0xF7):
            length, pos = _vlq(data, pos, end, track)
            pos += length
            running = None
        elif status >= 0xF0:
            raise _damaged(f"track {track} holds an undefined status byte 0x{status:02X}")
        else:
            running = status
            pos += _CHANNEL_DATA[status >> 4]
        if pos > end:
            raise _length_wrong(track, start, end)
    return False


def _is_chunk_name(name: bytes) -> bool:
    return all(32 < b < 127 for b in name)


def check_smf(data: bytes) -> SmfLayout:
    """Check the file's structure; SmfDamage naming the first problem."""
    if len(data) < 14:
        raise SmfDamage("the MIDI file is cut short")
    header_length = struct.unpack_from(">L", data, 4)[0]
    if header_length < 6:
        raise SmfDamage(f"its header chunk is too short ({header_length} bytes; 6 are needed)")
    fmt, announced, division = struct.unpack_from(">HHH", data, 8)
    if fmt > 2:
        raise SmfDamage(
            f"it declares MIDI file format {fmt}, which does not exist (only 0, 1 and 2 do)"
        )
    if division == 0:
        raise SmfDamage("its time division is 0 ticks per quarter note, which cannot be")
    pos = 8 + header_length
    if pos > len(data):
        raise SmfDamage("the MIDI file is cut short")
    tracks: list[bytes] = []
    # A track with no end-of-track event is taken as whole (some writers leave it out),
    # unless what follows it shows that its length was wrong.
    unended = None
    while pos < len(data):
        if len(data) - pos < 8:
            if not any(data[pos:]):
                break  # zero padding at the end: harmless
            if unended is not None:
                raise _length_wrong(*unended)
            raise SmfDamage(f"the MIDI file is cut short (in the chunk at byte {pos})")
        name, length = struct.unpack_from(">4sL", data, pos)
        start, end = pos + 8, pos + 8 + length
        if name == b"MTrk":
            number = len(tracks) + 1
            if length == 0:
                raise SmfDamage(f"track {number} is empty (its chunk length is 0)")
            if end > len(data):
                raise SmfDamage(f"the MIDI file is cut short (in track {number})")
            ended = _check_events(data, start, end, number)
            unended = None if ended else (number, start, end)
            tracks.append(data[pos:end])
        elif _is_chunk_name(name):
            if end > len(data):
                raise SmfDamage("the MIDI file is cut short")
            # a chunk of another kind: the standard says to skip it
        elif unended is not None:
            raise _length_wrong(*unended)
        else:
            raise _damaged(f"after track {len(tracks)} comes something that is not a chunk")
        pos = end
    if len(tracks) != announced:
        raise SmfDamage(
            f"its header announces {announced} track{'s' * (announced != 1)} "
            f"but it holds {len(tracks)}"
        )
    if fmt == 0 and len(tracks) != 1:
        raise SmfDamage(f"it is a type 0 file with {len(tracks)} tracks (it must have one)")
    header = b"MThd" + struct.pack(">LHHH", 6, fmt, len(tracks), division)
    return SmfLayout(fmt, division, len(tracks), header + b"".join(tracks))
