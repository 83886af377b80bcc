"""Which SoundFont Pianola plays through, and the preset names inside it (pure).

Discovery order, first match wins:

1. the user's setting (preferences or ``--soundfont``),
2. the ``PIANOLA_SOUNDFONT`` environment variable,
3. a system General MIDI font (``default-GM.sf2``, ``FluidR3_GM.sf2``, ``TimGM6mb.sf2``
   in the usual folders of Linux, macOS and Windows),
4. the font Pianola generates itself, ``assets/pianola.sf2``.

An explicit choice (1 or 2) that is missing or not a SoundFont 2 file is an error, never
a silent fall-back: the musician asked for that sound.  Nothing here loads FluidSynth;
preset names are read from the file's own ``phdr`` records.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from engine.core.errors import SoundFontError
from engine.files.sf2_reader import read_preset_headers

BUNDLED_SOUNDFONT = Path(__file__).resolve().parents[2] / "assets" / "pianola.sf2"
ENV_VAR = "PIANOLA_SOUNDFONT"
# Best first: default-GM.sf2 is Debian's pointer to the preferred installed GM font.
SYSTEM_FONT_NAMES = ("default-GM.sf2", "FluidR3_GM.sf2", "TimGM6mb.sf2")

SOURCE_SETTING = "setting"
SOURCE_ENV = "environment"
SOURCE_SYSTEM = "system"
SOURCE_BUNDLED = "bundled"

REASONS = {
    SOURCE_SETTING: "your setting",
    SOURCE_ENV: f"{ENV_VAR} is set",
    SOURCE_SYSTEM: "the system General MIDI font",
    SOURCE_BUNDLED: "the bundled font (no system font found)",
}


@dataclass(frozen=True, slots=True)
class SoundFontChoice:
    """The font to load and why it was chosen (a phrase for `pianola doctor` and the GUI)."""

    path: Path
    reason: str

    def describe(self) -> str:
        return f"{self.path} ({self.reason})"


@dataclass(frozen=True, slots=True)
class SoundFontCandidate:
    """A place Pianola looks for a font, in discovery order."""

    path: Path
    source: str  # SOURCE_SETTING / SOURCE_ENV / SOURCE_SYSTEM / SOURCE_BUNDLED
    exists: bool


def system_search_dirs(platform: str | None = None, home: Path | None = None) -> list[Path]:
    """Folders where General MIDI fonts are usually installed on this platform."""
    platform = sys.platform if platform is None else platform
    home = Path.home() if home is None else home
    if platform.startswith("win"):
        return [Path("C:/soundfonts"), home / "soundfonts"]
    dirs = [
        Path("/usr/share/sounds/sf2"),
        Path("/usr/share/soundfonts"),
        Path("/usr/local/share/soundfonts"),
        Path("/usr/local/share/sounds/sf2"),
        home / ".local/share/soundfonts",
        home / ".local/share/sounds/sf2",
    ]
    if platform == "darwin":
        dirs += [Path("/opt/homebrew/share/soundfonts"), home / "Library/Audio/Sounds/Banks"]
    return dirs


def system_candidates() -> list[Path]:
    """Every system font path in discovery order (by font preference, then folder)."""
    return [folder / name for name in SYSTEM_FONT_NAMES for folder in system_search_dirs()]


def is_soundfont2(path: Path) -> bool:
    """True if ``path`` is a readable file starting with a RIFF 'sfbk' header."""
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError:
        return False
    return len(head) == 12 and head[:4] == b"RIFF" and head[8:12] == b"sfbk"


def list_candidates(user_setting: str | None = None) -> list[SoundFontCandidate]:
    """Every place looked at, in order, and whether a file is there (for doctor/prefs)."""
    found: list[SoundFontCandidate] = []
    if user_setting:
        path = _expand(user_setting)
        found.append(SoundFontCandidate(path, SOURCE_SETTING, path.is_file()))
    env = os.environ.get(ENV_VAR)
    if env:
        path = _expand(env)
        found.append(SoundFontCandidate(path, SOURCE_ENV, path.is_file()))
    found += [SoundFontCandidate(p, SOURCE_SYSTEM, p.is_file()) for p in system_candidates()]
    found.append(SoundFontCandidate(BUNDLED_SOUNDFONT, SOURCE_BUNDLED, BUNDLED_SOUNDFONT.is_file()))
    return found


def choose_soundfont(user_setting: str | None = None) -> SoundFontChoice:
    """The font to play through; raises SoundFontError when none is usable.

    An empty ``user_setting`` means "not set" (a preferences field left blank).
    """
    if user_setting:
        path = _expand(user_setting)
        _check_explicit(path, "The SoundFont in your settings")
        return SoundFontChoice(path, REASONS[SOURCE_SETTING])
    env = os.environ.get(ENV_VAR)
    if env:
        path = _expand(env)
        _check_explicit(path, f"The SoundFont named by {ENV_VAR}")
        return SoundFontChoice(path, REASONS[SOURCE_ENV])
    for path in system_candidates():
        # A broken system font was not asked for by name: skip it and keep looking.
        if is_soundfont2(path):
            return SoundFontChoice(path, REASONS[SOURCE_SYSTEM])
    if is_soundfont2(BUNDLED_SOUNDFONT):
        return SoundFontChoice(BUNDLED_SOUNDFONT, REASONS[SOURCE_BUNDLED])
    raise SoundFontError(
        f"No SoundFont found: Pianola's own font {BUNDLED_SOUNDFONT} is missing "
        f"(regenerate it with `python -m engine.assetgen.sf2 {BUNDLED_SOUNDFONT}` or set {ENV_VAR})."
    )


def preset_names(path) -> dict[tuple[int, int], str]:
    """{(bank, program): preset name} read from the font's own preset headers."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            headers = read_preset_headers(f)
    except OSError as exc:
        raise SoundFontError(f"Cannot read the SoundFont {path}: {exc.strerror or exc}.") from exc
    except ValueError as exc:
        raise SoundFontError(f"Cannot read the SoundFont {path}: {exc}.") from exc
    names: dict[tuple[int, int], str] = {}
    for h in headers:
        names.setdefault((h.bank, h.program), h.name)  # first wins, as in FluidSynth
    return names


def _expand(text: str) -> Path:
    return Path(os.path.expandvars(os.path.expanduser(text)))


def _check_explicit(path: Path, what: str) -> None:
    if not path.exists():
        raise SoundFontError(f"{what}, {path}, does not exist.")
    if not path.is_file():
        raise SoundFontError(f"{what}, {path}, is a folder, not a SoundFont file.")
    if not is_soundfont2(path):
        raise SoundFontError(f"{what}, {path}, is not a SoundFont 2 file.")
