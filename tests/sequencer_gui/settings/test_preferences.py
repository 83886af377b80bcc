"""Preferences: defaults, round trip through the real file, damaged files kept safe."""

from __future__ import annotations

import json

import pytest

from engine.core.errors import FileWriteError
from sequencer_gui.settings import preferences as P
from sequencer_gui.settings.preferences import Preferences, PreferencesStore, load_preferences


@pytest.fixture
def config_dir(tmp_path, monkeypatch):
    d = tmp_path / "config"
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(d))
    return d


def test_first_start_gives_defaults_and_writes_nothing(config_dir):
    store = PreferencesStore()
    assert store.preferences == Preferences()
    assert store.warning is None
    assert store.path == config_dir / "preferences.json"
    assert not config_dir.exists()


def test_saved_preferences_come_back(config_dir):
    store = PreferencesStore()
    store.update(
        audio_driver="jack",
        jack_server="studio",
        jack_autoconnect=False,
        sample_rate=44100,
        period_frames=128,
        soundfont="/x/gm.sf2",
        realtime_priority=False,
        autosave_interval_s=10,
        default_grid="1/8T",
        midi_input="keys:out",
        count_in_bars=2,
        metronome="always",
        metronome_volume=75,
    )
    again = PreferencesStore()
    assert again.warning is None
    assert again.preferences == store.preferences
    assert again.preferences.jack_server == "studio"
    assert again.preferences.default_grid == "1/8T"
    assert json.loads((config_dir / "preferences.json").read_text())["sample_rate"] == 44100
    # atomic write leaves no temporary files beside it
    assert sorted(p.name for p in config_dir.iterdir()) == ["preferences.json"]


def test_recent_files_most_recent_first_no_duplicates_at_most_ten(tmp_path):
    prefs = Preferences()
    for i in range(12):
        prefs = prefs.with_recent_file(tmp_path / f"song{i}.pianola")
    prefs = prefs.with_recent_file(tmp_path / "song5.pianola")
    assert len(prefs.recent_files) == 10
    assert prefs.recent_files[0] == str(tmp_path / "song5.pianola")
    assert prefs.recent_files[1] == str(tmp_path / "song11.pianola")
    assert len(set(prefs.recent_files)) == 10
    assert str(tmp_path / "song0.pianola") not in prefs.recent_files


@pytest.mark.parametrize(
    "field, value, words",
    [
        ("audio_driver", "beos", "audio driver"),
        ("sample_rate", 12345, "sample rate"),
        ("period_frames", 100, "period size"),
        ("autosave_interval_s", 0, "autosave interval"),
        ("default_grid", "1/7", "default grid"),
        ("jack_autoconnect", "yes", "jack autoconnect"),
        ("midi_input", 3, "MIDI input"),
        ("count_in_bars", 4, "count-in"),
        ("metronome", "loud", "metronome"),
        ("metronome_volume", 101, "metronome volume"),
    ],
)
def test_invalid_values_are_refused_with_the_field_named(field, value, words):
    with pytest.raises(ValueError, match=words):
        Preferences(**{field: value})


def test_damaged_file_gives_defaults_one_sentence_and_is_not_touched(config_dir):
    config_dir.mkdir()
    path = config_dir / "preferences.json"
    path.write_text('{"sample_rate": 44100,,,')
    store = PreferencesStore()
    assert store.preferences == Preferences()
    assert "damaged" in store.warning and store.warning.count(". ") == 0
    assert str(path) in store.warning
    assert path.read_text() == '{"sample_rate": 44100,,,'
    # the first real change keeps the damaged file beside the new one
    store.update(sample_rate=96000)
    assert (config_dir / "preferences.json.bad").read_text() == '{"sample_rate": 44100,,,'
    assert PreferencesStore().preferences.sample_rate == 96000


def test_one_bad_value_keeps_the_others(config_dir):
    config_dir.mkdir()
    (config_dir / "preferences.json").write_text(
        json.dumps(
            {
                "sample_rate": 44100,
                "period_frames": 3,
                "future_setting": 1,
                "recent_files": ["/a.pianola"],
            }
        )
    )
    prefs, warning = load_preferences()
    assert prefs.sample_rate == 44100
    assert prefs.period_frames == Preferences().period_frames
    assert prefs.recent_files == ("/a.pianola",)
    assert "period size" in warning


def test_not_an_object_gives_defaults(config_dir):
    config_dir.mkdir()
    (config_dir / "preferences.json").write_text("[1, 2]")
    prefs, warning = load_preferences()
    assert prefs == Preferences() and "settings" in warning


def test_unwritable_config_dir_raises_one_sentence_and_keeps_old_value(tmp_path, monkeypatch):
    # a path whose parent is a file cannot be created, even by root
    blocker = tmp_path / "blocker"
    blocker.write_text("")
    monkeypatch.setenv("PIANOLA_CONFIG_DIR", str(blocker / "config"))
    store = PreferencesStore()
    with pytest.raises(FileWriteError, match="Cannot save"):
        store.update(sample_rate=44100)
    assert store.preferences.sample_rate == 48000


def test_disk_full_during_save_leaves_previous_file(config_dir, monkeypatch):
    store = PreferencesStore()
    store.update(sample_rate=44100)
    before = (config_dir / "preferences.json").read_text()

    def full(*_args, **_kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(P.os, "replace", full)
    with pytest.raises(FileWriteError, match="disk is full"):
        store.update(sample_rate=96000)
    assert (config_dir / "preferences.json").read_text() == before
    assert sorted(p.name for p in config_dir.iterdir()) == ["preferences.json"]


def test_platform_dir_used_without_override(monkeypatch):
    monkeypatch.delenv("PIANOLA_CONFIG_DIR", raising=False)
    import platformdirs

    assert P.config_dir() == type(P.config_dir())(platformdirs.user_config_dir("pianola"))


def test_audio_differs_only_for_audio_fields():
    a = Preferences()
    assert not a.audio_differs(a.with_recent_file("/x.pianola"))
    assert Preferences(period_frames=512).audio_differs(a)
    assert Preferences(realtime_priority=False).audio_differs(a)


# ------------------------------------------------------------------ the dialog, for real


def test_settings_for_start_command_line_wins():
    prefs = Preferences(audio_driver="jack", jack_server="studio", period_frames=128)
    s = P.settings_for_start(prefs)
    assert (s.driver, s.jack_server, s.period_frames) == ("jack", "studio", 128)
    s = P.settings_for_start(prefs, driver="none", jack_server="other", soundfont="/x.sf2")
    assert (s.driver, s.jack_server, s.soundfont) == ("none", "other", "/x.sf2")


@pytest.mark.gui
def test_dialog_saves_and_restarts_the_engine_keeping_the_document(
    window, config_dir, tmp_path, monkeypatch
):
    from engine.core import edits
    from engine.core.score import Note
    from sequencer_gui.settings.dialog import PreferencesDialog

    monkeypatch.setenv("PIANOLA_STATE_DIR", str(tmp_path / "state"))
    new, _ = edits.add_notes(window.document.score, 0, [Note(0, 240, 60)])
    window.document.apply(new, "Add note")
    score, modified = window.document.score, window.document.is_modified
    store = PreferencesStore()
    seen = []
    dialog = PreferencesDialog(window, store, on_saved=lambda old, new: seen.append(new))
    window.root.update()
    dialog.vars["audio_driver"].set("none")
    dialog.vars["period_frames"].set("512")
    dialog.vars["autosave_interval_s"].set("7")
    dialog.vars["default_grid"].set("1/8T")
    try:
        dialog.ok_button.invoke()
        assert not dialog.top.winfo_exists()
        assert PreferencesStore().preferences.period_frames == 512
        assert seen[0].autosave_interval_s == 7 and seen[0].default_grid == "1/8T"
        link = window.link
        assert link.settings.driver == "none" and link.settings.period_frames == 512
        ready = link.client.wait_ready(30)
        assert ready.period_frames == 512  # a new engine with the new settings
        assert window.document.score is score and window.document.is_modified == modified
    finally:
        window.link.close()


@pytest.mark.gui
def test_dialog_refuses_a_bad_number_and_stays_open(window, config_dir, monkeypatch):
    from tkinter import messagebox

    from sequencer_gui.settings.dialog import PreferencesDialog

    errors = []
    monkeypatch.setattr(messagebox, "showerror", lambda title, msg, **kw: errors.append(msg))
    dialog = PreferencesDialog(window, PreferencesStore())
    dialog.vars["autosave_interval_s"].set("soon")
    dialog.ok_button.invoke()
    assert dialog.top.winfo_exists() and len(errors) == 1 and "whole" in errors[0]
    assert not (config_dir / "preferences.json").exists()
    dialog.cancel_button.invoke()
    assert not dialog.top.winfo_exists()


@pytest.mark.gui
def test_the_light_theme_chosen_in_the_preferences_restyles_the_window_and_is_kept(
    window, config_dir
):
    from tkinter import ttk

    from sequencer_gui import palette
    from sequencer_gui.files import commands as files
    from sequencer_gui.settings.dialog import PreferencesDialog

    installed = files.install(window, PreferencesStore(), offer_restore=False)
    dialog = PreferencesDialog(window, installed.prefs, on_saved=installed.preferences_changed)
    window.root.update()
    try:
        dialog.vars["theme"].set("light")
        dialog.ok_button.invoke()
        window.root.update()
        assert ttk.Style(window.root).lookup("TFrame", "background") == palette.LIGHT.window
        assert window.roll.canvas.cget("background") == palette.LIGHT.row_white
        assert PreferencesStore().preferences.theme == "light"
        assert window.theme_var.get() == "light"
    finally:
        palette.use("dark")
        installed.autosaver.stop()


def test_a_theme_that_does_not_exist_is_refused():
    with pytest.raises(ValueError, match="theme must be one of dark, light"):
        Preferences(theme="sepia")
