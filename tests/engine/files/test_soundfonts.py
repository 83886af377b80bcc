"""SoundFont discovery and preset names (pure code: temporary files, patched env/home)."""

from __future__ import annotations

import numpy as np
import pytest

from engine.assetgen.sf2.writer import Instrument, Preset, Sample, SoundFont, Zone, soundfont_bytes
from engine.core.errors import SoundFontError
from engine.files import soundfonts
from engine.files.soundfonts import (
    BUNDLED_SOUNDFONT,
    choose_soundfont,
    list_candidates,
    preset_names,
    system_search_dirs,
)


def _write_font(path, presets=((0, 0, "Grand"), (128, 0, "Kit"))):
    sample = Sample("S", np.zeros(64, np.int16), 32000, 60)
    inst = Instrument("I", (Zone((), 0),))
    font = SoundFont(
        "Test",
        (sample,),
        (inst,),
        tuple(Preset(name, bank, prog, (Zone((), 0),)) for bank, prog, name in presets),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(soundfont_bytes(font))
    return path


@pytest.fixture
def no_system_fonts(monkeypatch, tmp_path):
    """An empty set of system folders and no PIANOLA_SOUNDFONT."""
    folders = [tmp_path / "usr-share-sounds-sf2", tmp_path / "home-soundfonts"]
    monkeypatch.setattr(soundfonts, "system_search_dirs", lambda: folders)
    monkeypatch.delenv("PIANOLA_SOUNDFONT", raising=False)
    return folders


def test_bundled_font_when_nothing_else_is_there(no_system_fonts):
    choice = choose_soundfont()
    assert choice.path == BUNDLED_SOUNDFONT
    assert choice.reason == "the bundled font (no system font found)"


def test_system_font_beats_the_bundled_one_and_default_gm_comes_first(no_system_fonts):
    _write_font(no_system_fonts[1] / "TimGM6mb.sf2")
    assert choose_soundfont().path == no_system_fonts[1] / "TimGM6mb.sf2"
    _write_font(no_system_fonts[1] / "FluidR3_GM.sf2")
    assert choose_soundfont().path == no_system_fonts[1] / "FluidR3_GM.sf2"
    _write_font(no_system_fonts[0] / "default-GM.sf2")
    choice = choose_soundfont()
    assert choice.path == no_system_fonts[0] / "default-GM.sf2"
    assert choice.reason == "the system General MIDI font"


def test_a_broken_system_font_is_skipped(no_system_fonts):
    no_system_fonts[0].mkdir()
    (no_system_fonts[0] / "default-GM.sf2").write_bytes(b"not a soundfont at all")
    assert choose_soundfont().path == BUNDLED_SOUNDFONT


def test_environment_beats_system(no_system_fonts, monkeypatch, tmp_path):
    _write_font(no_system_fonts[0] / "default-GM.sf2")
    mine = _write_font(tmp_path / "mine.sf2")
    monkeypatch.setenv("PIANOLA_SOUNDFONT", str(mine))
    choice = choose_soundfont()
    assert (choice.path, choice.reason) == (mine, "PIANOLA_SOUNDFONT is set")


def test_user_setting_beats_environment(no_system_fonts, monkeypatch, tmp_path):
    monkeypatch.setenv("PIANOLA_SOUNDFONT", str(_write_font(tmp_path / "env.sf2")))
    setting = _write_font(tmp_path / "setting.sf2")
    choice = choose_soundfont(str(setting))
    assert (choice.path, choice.reason) == (setting, "your setting")
    assert choose_soundfont("").reason == "PIANOLA_SOUNDFONT is set"  # blank = not set


def test_user_setting_expands_the_home_folder(no_system_fonts, monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    font = _write_font(tmp_path / "fonts" / "x.sf2")
    assert choose_soundfont("~/fonts/x.sf2").path == font


@pytest.mark.parametrize(
    "make,problem",
    [
        (lambda p: p, "does not exist"),
        (lambda p: (p.write_text("hello"), p)[1], "is not a SoundFont 2 file"),
        (lambda p: (p.mkdir(), p)[1], "is a folder"),
    ],
)
def test_an_explicit_choice_that_is_unusable_is_an_error_not_a_fallback(
    no_system_fonts, monkeypatch, tmp_path, make, problem
):
    bad = make(tmp_path / "wanted.sf2")
    with pytest.raises(SoundFontError, match=problem) as err:
        choose_soundfont(str(bad))
    message = str(err.value)
    assert message.startswith("The SoundFont in your settings") and str(bad) in message
    assert message.count(".") >= 1 and "\n" not in message
    monkeypatch.setenv("PIANOLA_SOUNDFONT", str(bad))
    with pytest.raises(SoundFontError, match="PIANOLA_SOUNDFONT"):
        choose_soundfont()


def test_missing_bundled_font_is_reported(no_system_fonts, monkeypatch, tmp_path):
    monkeypatch.setattr(soundfonts, "BUNDLED_SOUNDFONT", tmp_path / "gone.sf2")
    with pytest.raises(SoundFontError, match="python -m engine.assetgen.sf2"):
        choose_soundfont()


def test_list_candidates_in_discovery_order(no_system_fonts, monkeypatch, tmp_path):
    env_font = _write_font(tmp_path / "env.sf2")
    monkeypatch.setenv("PIANOLA_SOUNDFONT", str(env_font))
    _write_font(no_system_fonts[1] / "FluidR3_GM.sf2")
    found = list_candidates(str(tmp_path / "missing.sf2"))
    assert [c.source for c in found[:2]] == ["setting", "environment"]
    assert found[0].exists is False and found[1].exists is True
    system = [c for c in found if c.source == "system"]
    assert [c.path.name for c in system[:2]] == ["default-GM.sf2", "default-GM.sf2"]
    assert [c.path for c in system if c.exists] == [no_system_fonts[1] / "FluidR3_GM.sf2"]
    assert found[-1].source == "bundled" and found[-1].exists


def test_default_search_covers_the_usual_places(tmp_path):
    linux = system_search_dirs("linux", tmp_path)
    assert linux[0].as_posix() == "/usr/share/sounds/sf2"
    assert tmp_path / ".local/share/soundfonts" in linux
    mac = [d.as_posix() for d in system_search_dirs("darwin", tmp_path)]
    assert "/opt/homebrew/share/soundfonts" in mac
    assert (tmp_path / "Library/Audio/Sounds/Banks").as_posix() in mac
    windows = [d.as_posix() for d in system_search_dirs("win32", tmp_path)]
    assert "C:/soundfonts" in windows
    default_first = soundfonts.system_candidates()[0]
    assert default_first.name == "default-GM.sf2"


def test_preset_names_come_from_the_file(tmp_path):
    font = _write_font(
        tmp_path / "f.sf2", ((0, 5, "Rhodes"), (8, 5, "Rhodes 2"), (128, 16, "Power Kit"))
    )
    assert preset_names(font) == {(0, 5): "Rhodes", (8, 5): "Rhodes 2", (128, 16): "Power Kit"}


@pytest.mark.parametrize(
    "content,problem",
    [
        (b"", "RIFF"),
        (b"RIFF\x04\x00\x00\x00WAVE", "not a SoundFont 2 file"),
    ],
)
def test_preset_names_of_a_bad_file_is_one_sentence(tmp_path, content, problem):
    bad = tmp_path / "bad.sf2"
    bad.write_bytes(content)
    with pytest.raises(SoundFontError, match=problem):
        preset_names(bad)


def test_preset_names_of_a_truncated_font(tmp_path):
    data = tmp_path / "f.sf2"
    _write_font(data)
    cut = tmp_path / "cut.sf2"
    cut.write_bytes(data.read_bytes()[:-60])
    with pytest.raises(SoundFontError, match="Cannot read the SoundFont"):
        preset_names(cut)


def test_preset_names_of_a_missing_file(tmp_path):
    with pytest.raises(SoundFontError, match="Cannot read the SoundFont"):
        preset_names(tmp_path / "nope.sf2")
