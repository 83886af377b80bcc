"""The user's preferences and where they live (pure: file I/O only, no Tk, no audio).

Preferences are one frozen value, read from and written atomically to
``preferences.json`` in the platform's per-user config directory
(``platformdirs.user_config_dir("pianola")``; ``PIANOLA_CONFIG_DIR`` overrides it, for
tests and portable installs).

A damaged file must never stop the program nor be lost: loading falls back to the
defaults (field by field where it can) and returns one warning sentence; the file is left
alone until the user changes a setting, and even then the damaged file is first kept
beside the new one as ``preferences.json.bad``.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from engine.core.errors import FileWriteError
from engine.core.protocol.sync_commands import SYNC_SOURCES

APP_NAME = "pianola"
FILE_NAME = "preferences.json"
MAX_RECENT_FILES = 10

# The drivers engine.core.audio_settings.AudioSettings accepts, minus "file" (offline only).
AUDIO_DRIVERS = ("auto", "jack", "pipewire", "pulseaudio", "alsa", "sounddevice", "none")
SAMPLE_RATES = (22050, 32000, 44100, 48000, 88200, 96000)
PERIOD_SIZES = (32, 64, 128, 256, 512, 1024, 2048)
MIN_AUTOSAVE_S, MAX_AUTOSAVE_S = 1, 600
# Grid names as the transport bar shows them: 1/1 .. 1/32, "T" marks triplets.
_GRID_RE = re.compile(r"^1/(1|2|4|8|16|32)T?$")
# The fields that reach the engine process: changing one restarts it.
AUDIO_FIELDS = (
    "audio_driver",
    "jack_server",
    "jack_autoconnect",
    "sample_rate",
    "period_frames",
    "soundfont",
    "realtime_priority",
)
GRIDS = tuple(f"1/{d}{t}" for d in (1, 2, 4, 8, 16, 32) for t in ("", "T"))
COUNT_IN_BARS = (0, 1, 2)
METRONOME_MODES = ("off", "recording", "always")
METRONOME_VOLUMES = (50, 75, 100, 150)
THEMES = ("dark", "light")  # sequencer_gui.palette has one palette per name


@dataclass(frozen=True, slots=True)
class Preferences:
    """Everything Pianola remembers per user."""

    audio_driver: str = "auto"
    jack_server: str = ""  # "" = the default server (or $JACK_DEFAULT_SERVER)
    jack_autoconnect: bool = True
    sample_rate: int = 48000
    period_frames: int = 256
    soundfont: str = ""  # "" = choose automatically (bundled or system SoundFont)
    realtime_priority: bool = True
    autosave_interval_s: int = 3
    default_grid: str = "1/16"
    recent_files: tuple[str, ...] = ()
    theme: str = "dark"
    # recording: the MIDI input listened to (a JACK output's name, an "API: port" label,
    # Pianola's own virtual input on an API; "": only Pianola's own JACK input port),
    # the count-in, the metronome (off, while recording, always) and its volume
    midi_input: str = ""
    count_in_bars: int = 1
    metronome: str = "recording"
    metronome_volume: int = 100
    # sync: the clock followed (internal, link, jack-follow, jack-lead, midi-clock), the
    # JACK MIDI output a MIDI clock comes from and the JACK MIDI input one goes out to
    sync_source: str = "internal"
    midi_clock_in: str = ""
    link_quantum: float = 4.0  # the beats of a Link session's bar (its launches' quantum)
    midi_clock_out: str = ""

    def __post_init__(self):
        if self.audio_driver not in AUDIO_DRIVERS:
            raise ValueError(
                f"audio driver must be one of {', '.join(AUDIO_DRIVERS)}, not {self.audio_driver!r}"
            )
        for name in ("jack_server", "soundfont", "default_grid"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(
                    f"{name.replace('_', ' ')} must be text, not {getattr(self, name)!r}"
                )
        for name in ("jack_autoconnect", "realtime_priority"):
            if not isinstance(getattr(self, name), bool):
                raise ValueError(
                    f"{name.replace('_', ' ')} must be true or false, not {getattr(self, name)!r}"
                )
        _check_choice("sample rate", self.sample_rate, SAMPLE_RATES)
        _check_choice("period size", self.period_frames, PERIOD_SIZES)
        if (
            isinstance(self.autosave_interval_s, bool)
            or not isinstance(self.autosave_interval_s, int)
            or not MIN_AUTOSAVE_S <= self.autosave_interval_s <= MAX_AUTOSAVE_S
        ):
            raise ValueError(
                f"autosave interval must be a whole number of seconds from "
                f"{MIN_AUTOSAVE_S} to {MAX_AUTOSAVE_S}, "
                f"not {self.autosave_interval_s!r}"
            )
        if not _GRID_RE.match(self.default_grid):
            raise ValueError(
                f"default grid must be one of {', '.join(GRIDS)}, not {self.default_grid!r}"
            )
        if self.theme not in THEMES:
            raise ValueError(f"theme must be one of {', '.join(THEMES)}, not {self.theme!r}")
        if not isinstance(self.midi_input, str):
            raise ValueError(f"the MIDI input must be a port name, not {self.midi_input!r}")
        _check_choice("count-in", self.count_in_bars, COUNT_IN_BARS)
        _check_choice("metronome", self.metronome, METRONOME_MODES)
        _check_choice("metronome volume", self.metronome_volume, METRONOME_VOLUMES)
        _check_choice("sync source", self.sync_source, SYNC_SOURCES)
        quantum = self.link_quantum
        if isinstance(quantum, bool) or not isinstance(quantum, (int, float)):
            raise ValueError(f"the Link quantum must be a number of beats, not {quantum!r}")
        if not 1 <= quantum <= 64:
            raise ValueError(f"the Link quantum must be from 1 to 64 beats, not {quantum:g}")
        object.__setattr__(self, "link_quantum", float(quantum))
        for name in ("midi_clock_in", "midi_clock_out"):
            if not isinstance(getattr(self, name), str):
                raise ValueError(
                    f"the {name.replace('_', ' ')} port must be a port name, "
                    f"not {getattr(self, name)!r}"
                )
        recent = tuple(self.recent_files)
        if not all(isinstance(p, str) and p for p in recent):
            raise ValueError("recent files must be a list of file paths")
        object.__setattr__(self, "recent_files", recent[:MAX_RECENT_FILES])

    def with_recent_file(self, path) -> Preferences:
        """These preferences with ``path`` first in the recent files (no duplicates)."""
        path = str(Path(path).expanduser().resolve())
        rest = tuple(p for p in self.recent_files if p != path)
        return replace(self, recent_files=(path,) + rest)

    def without_recent_file(self, path) -> Preferences:
        return replace(self, recent_files=tuple(p for p in self.recent_files if p != str(path)))

    def audio_differs(self, other: Preferences) -> bool:
        """True when going from ``other`` to these needs the engine restarted."""
        return any(getattr(self, name) != getattr(other, name) for name in AUDIO_FIELDS)


def _check_choice(name: str, value, choices) -> None:
    if isinstance(value, bool) or value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(str, choices))}, not {value!r}")


def user_dir(env_name: str, kind: str) -> Path:
    """The per-user ``kind`` ("config" or "state") folder of Pianola; ``$env_name`` wins."""
    override = os.environ.get(env_name)
    if override:
        return Path(override)
    import platformdirs  # imported here: the pure core stays free of it for `pianola convert`

    return Path(getattr(platformdirs, f"user_{kind}_dir")(APP_NAME))


def config_dir() -> Path:
    """The directory preferences live in (``$PIANOLA_CONFIG_DIR`` wins)."""
    return user_dir("PIANOLA_CONFIG_DIR", "config")


def preferences_path() -> Path:
    return config_dir() / FILE_NAME


def to_audio_settings(prefs: Preferences):
    """The engine's AudioSettings for these preferences (engine.core.audio_settings)."""
    from engine.core.audio_settings import AudioSettings

    return AudioSettings(
        driver=prefs.audio_driver,
        sample_rate=prefs.sample_rate,
        period_frames=prefs.period_frames,
        jack_server=prefs.jack_server or None,
        jack_autoconnect=prefs.jack_autoconnect,
        soundfont=prefs.soundfont or None,
    )


def preferences_from_dict(data) -> tuple[Preferences, str | None]:
    """Preferences from decoded JSON, keeping every valid field.

    Returns the preferences and, if anything had to be replaced by its default, one
    warning sentence naming the first problem.  Unknown keys (from a newer Pianola) are
    ignored silently.
    """
    if not isinstance(data, dict):
        return Preferences(), "the preferences file does not hold a settings object"
    prefs = Preferences()
    problem = None
    for f in fields(Preferences):
        if f.name not in data:
            continue
        value = data[f.name]
        if f.name == "recent_files" and isinstance(value, list):
            value = tuple(value)
        try:
            prefs = replace(prefs, **{f.name: value})
        except (ValueError, TypeError) as exc:
            problem = problem or str(exc)
    return prefs, problem


def load_preferences(path: Path | None = None) -> tuple[Preferences, str | None]:
    """Read the preferences; never raises for a missing or damaged file.

    Returns ``(preferences, warning)`` where warning is None or one sentence for the
    user.  A missing file is not a problem: it is the first start.
    """
    path = Path(path) if path is not None else preferences_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Preferences(), None
    except (OSError, UnicodeDecodeError) as exc:
        return Preferences(), (
            f"Pianola could not read its preferences ({path}: "
            f"{getattr(exc, 'strerror', None) or exc}) and uses the defaults."
        )
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return Preferences(), (
            f"The preferences file {path} is damaged (line {exc.lineno}: "
            f"{exc.msg}); Pianola uses the defaults and keeps the file "
            f"until you change a setting."
        )
    prefs, problem = preferences_from_dict(data)
    if problem:
        return prefs, (
            f"A setting in {path} is not valid ({problem}); Pianola uses its default instead."
        )
    return prefs, None


def dumps_preferences(prefs: Preferences) -> str:
    data = asdict(prefs)
    data["recent_files"] = list(prefs.recent_files)
    return json.dumps(data, indent=2, sort_keys=True) + "\n"


def write_bytes_atomically(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` (creating its folder) so a crash leaves old or new, whole.

    Raises FileWriteError (one sentence) and leaves no temporary file behind.
    """
    from engine.files.project_file import describe_os_error, write_file_atomically

    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise FileWriteError(path, describe_os_error(exc)) from None
    write_file_atomically(path, data)


def write_text_atomically(path: Path, text: str) -> None:
    write_bytes_atomically(path, text.encode("utf-8"))


class PreferencesStore:
    """The user's preferences file: load once, save on each change the user makes.

    Keeps a damaged file safe: the first save after a failed load first copies it to
    ``preferences.json.bad`` (the copy is what the warning told the user about).
    """

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path is not None else preferences_path()
        self.preferences, self.warning = load_preferences(self.path)
        self._keep_damaged = self.warning is not None and self.path.exists()

    def save(self, prefs: Preferences) -> None:
        """Remember ``prefs`` (atomically); raises FileWriteError, keeping the old value."""
        if self._keep_damaged:
            try:
                os.replace(self.path, self.path.with_name(FILE_NAME + ".bad"))
            except FileNotFoundError:
                pass
            except OSError as exc:
                from engine.files.project_file import describe_os_error

                raise FileWriteError(self.path, describe_os_error(exc)) from None
            self._keep_damaged = False
        write_text_atomically(self.path, dumps_preferences(prefs))
        self.preferences = prefs

    def update(self, **changes) -> Preferences:
        """Change some fields and save; returns the new preferences."""
        prefs = replace(self.preferences, **changes)
        self.save(prefs)
        return prefs

    def add_recent_file(self, path) -> None:
        self.save(self.preferences.with_recent_file(path))


def settings_for_start(
    prefs: Preferences, *, driver: str = "auto", soundfont=None, jack_server=None
):
    """AudioSettings at start: what the command line says wins over the preferences
    (a ``driver`` of "auto" counts as not said)."""
    settings = to_audio_settings(prefs)
    changes = {}
    if driver != "auto":
        changes["driver"] = driver
    if soundfont:
        changes["soundfont"] = soundfont
    if jack_server:
        changes["jack_server"] = jack_server
    return replace(settings, **changes) if changes else settings
