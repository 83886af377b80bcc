"""Read the structure of any SoundFont 2 file without loading its samples (pure).

Used to list preset names (the phdr records) of fonts of any size: the reader walks
the RIFF chunk headers and seeks past the sample data, so a 150 MB General MIDI font
costs a few small reads.  Malformed files raise ``ValueError`` with one sentence.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import BinaryIO

RECORD_SIZES = {
    "phdr": 38,
    "pbag": 4,
    "pmod": 10,
    "pgen": 4,
    "inst": 22,
    "ibag": 4,
    "imod": 10,
    "igen": 4,
    "shdr": 46,
}
PDTA_ORDER = tuple(RECORD_SIZES)


@dataclass(frozen=True, slots=True)
class Chunk:
    """A RIFF chunk: its id, where its data starts in the file, and its size."""

    ck_id: str
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class PresetHeader:
    name: str
    program: int
    bank: int
    bag_index: int


def _read_header(f: BinaryIO, where: str) -> tuple[str, int]:
    raw = f.read(8)
    if len(raw) < 8:
        raise ValueError(f"the file ends inside {where}")
    ck_id, size = struct.unpack("<4sI", raw)
    return ck_id.decode("latin-1"), size


def read_layout(f: BinaryIO) -> dict[str, dict[str, Chunk]]:
    """The chunks of each LIST ('INFO', 'sdta', 'pdta'): {list type: {chunk id: Chunk}}."""
    f.seek(0, 2)
    file_size = f.tell()
    f.seek(0)
    ck_id, riff_size = _read_header(f, "the RIFF header")
    form = f.read(4)
    if ck_id != "RIFF" or form != b"sfbk":
        raise ValueError("it is not a SoundFont 2 file (no RIFF 'sfbk' header)")
    end = min(8 + riff_size, file_size)
    lists: dict[str, dict[str, Chunk]] = {}
    pos = 12
    while pos + 8 <= end:
        f.seek(pos)
        ck_id, size = _read_header(f, "a chunk header")
        if ck_id == "LIST":
            list_type = f.read(4).decode("latin-1")
            lists[list_type] = _read_sub_chunks(f, pos + 12, pos + 8 + size, list_type)
        pos += 8 + size + (size & 1)
    if pos > end + 1:
        raise ValueError("a chunk runs past the end of the file (truncated?)")
    for needed in ("INFO", "sdta", "pdta"):
        if needed not in lists:
            raise ValueError(f"the {needed} list is missing")
    return lists


def _read_sub_chunks(f: BinaryIO, pos: int, end: int, list_type: str) -> dict[str, Chunk]:
    chunks: dict[str, Chunk] = {}
    while pos + 8 <= end:
        f.seek(pos)
        ck_id, size = _read_header(f, f"the {list_type} list")
        if pos + 8 + size > end:
            raise ValueError(f"chunk {ck_id!r} runs past the end of the {list_type} list")
        chunks[ck_id] = Chunk(ck_id, pos + 8, size)
        pos += 8 + size + (size & 1)
    return chunks


def read_chunk_data(f: BinaryIO, chunk: Chunk) -> bytes:
    f.seek(chunk.offset)
    data = f.read(chunk.size)
    if len(data) != chunk.size:
        raise ValueError(f"chunk {chunk.ck_id!r} is cut short")
    return data


def read_records(f: BinaryIO, layout, ck_id: str) -> list[bytes]:
    """The fixed-size records of a pdta sub-chunk, terminal record included."""
    chunk = layout["pdta"].get(ck_id)
    if chunk is None:
        raise ValueError(f"the {ck_id} chunk is missing")
    size = RECORD_SIZES[ck_id]
    if chunk.size % size or chunk.size < size:
        raise ValueError(f"the {ck_id} chunk size {chunk.size} is not a multiple of {size}")
    data = read_chunk_data(f, chunk)
    return [data[i : i + size] for i in range(0, len(data), size)]


def decode_name(raw: bytes) -> str:
    return raw.split(b"\0", 1)[0].decode("latin-1").strip()


def read_preset_headers(f: BinaryIO) -> list[PresetHeader]:
    """Every preset header except the terminal 'EOP' record."""
    records = read_records(f, read_layout(f), "phdr")
    headers = []
    for rec in records[:-1]:
        program, bank, bag = struct.unpack_from("<HHH", rec, 20)
        headers.append(PresetHeader(decode_name(rec[:20]), program, bank, bag))
    return headers
