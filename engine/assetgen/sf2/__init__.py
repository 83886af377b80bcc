"""Pianola's own SoundFont: synthesized voices and a SoundFont 2 writer (pure).

``write_soundfont(path)`` regenerates ``assets/pianola.sf2`` byte for byte; from a shell:
``python -m engine.assetgen.sf2 assets/pianola.sf2``.  Importing this package is cheap: numpy
and the synthesis load only when a font is built.
"""

from __future__ import annotations

import os
from pathlib import Path


def build_soundfont_bytes() -> bytes:
    """The bytes of Pianola's generated SoundFont (deterministic)."""
    from engine.assetgen.sf2.bank import build_font
    from engine.assetgen.sf2.writer import soundfont_bytes

    return soundfont_bytes(build_font())


def write_soundfont(path) -> int:
    """Write the generated font to ``path`` atomically; returns its size in bytes."""
    path = Path(path)
    data = build_soundfont_bytes()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return len(data)
