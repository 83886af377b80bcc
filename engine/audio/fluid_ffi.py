"""ctypes bindings to the FluidSynth library pyfluidsynth already loaded (engine threads).

pyfluidsynth binds only part of the C API (no control-change or program events for the
sequencer, no event removal, no float rendering into caller buffers, no channel types).
Every function Pianola calls is declared here once, with its FluidSynth 2.x signature, on
the very same ``CDLL`` object, so settings, synths and sequencers made by either binding
are interchangeable.  Importing this module loads FluidSynth: only the synth backend
imports it.
"""

from __future__ import annotations

import contextlib
import io
from ctypes import CFUNCTYPE, c_char_p, c_double, c_float, c_int, c_short, c_uint, c_void_p, cast

# pyfluidsynth prints where it found the library to stdout when CI is set in the
# environment; that line would land in the middle of `pianola doctor` / `play` output (and
# break anything reading it), so the import is made with stdout held aside.  Every other
# module gets pyfluidsynth from here (``pyfluidsynth`` below), never imports it itself.
with contextlib.redirect_stdout(io.StringIO()):
    import fluidsynth as _pyfluidsynth

pyfluidsynth = _pyfluidsynth

lib = _pyfluidsynth._fl  # the CDLL pyfluidsynth opened (libfluidsynth.so.3)

FLUID_OK = 0
FLUID_FAILED = -1
CHANNEL_TYPE_MELODIC = 0
CHANNEL_TYPE_DRUM = 1
# fluid_settings_get_type() results
FLUID_NO_TYPE, FLUID_NUM_TYPE, FLUID_INT_TYPE, FLUID_STR_TYPE = -1, 0, 1, 2

SETTINGS = c_void_p
SYNTH = c_void_p
SEQUENCER = c_void_p
EVENT = c_void_p
DRIVER = c_void_p
SFONT = c_void_p
PRESET = c_void_p


def _bind(name: str, restype, *argtypes):
    func = getattr(lib, name)
    func.restype = restype
    func.argtypes = list(argtypes)
    return func


# --- version and logging ------------------------------------------------------------
fluid_version_str = _bind("fluid_version_str", c_char_p)
LOG_FUNCTION = CFUNCTYPE(None, c_int, c_char_p, c_void_p)
fluid_set_log_function = _bind("fluid_set_log_function", c_void_p, c_int, LOG_FUNCTION, c_void_p)
fluid_free = _bind("fluid_free", None, c_void_p)

# --- settings -------------------------------------------------------------------------
new_fluid_settings = _bind("new_fluid_settings", SETTINGS)
delete_fluid_settings = _bind("delete_fluid_settings", None, SETTINGS)
fluid_settings_setstr = _bind("fluid_settings_setstr", c_int, SETTINGS, c_char_p, c_char_p)
fluid_settings_setint = _bind("fluid_settings_setint", c_int, SETTINGS, c_char_p, c_int)
fluid_settings_setnum = _bind("fluid_settings_setnum", c_int, SETTINGS, c_char_p, c_double)
fluid_settings_get_type = _bind("fluid_settings_get_type", c_int, SETTINGS, c_char_p)
# returns a malloc'd "a, b, c" string (free with fluid_free), or NULL
fluid_settings_option_concat = _bind(
    "fluid_settings_option_concat", c_void_p, SETTINGS, c_char_p, c_char_p
)

# --- synth ----------------------------------------------------------------------------
new_fluid_synth = _bind("new_fluid_synth", SYNTH, SETTINGS)
delete_fluid_synth = _bind("delete_fluid_synth", None, SYNTH)
fluid_synth_sfload = _bind("fluid_synth_sfload", c_int, SYNTH, c_char_p, c_int)
fluid_synth_get_sfont_by_id = _bind("fluid_synth_get_sfont_by_id", SFONT, SYNTH, c_int)
fluid_synth_program_select = _bind(
    "fluid_synth_program_select", c_int, SYNTH, c_int, c_int, c_int, c_int
)
fluid_synth_set_channel_type = _bind("fluid_synth_set_channel_type", c_int, SYNTH, c_int, c_int)
fluid_synth_noteon = _bind("fluid_synth_noteon", c_int, SYNTH, c_int, c_int, c_int)
fluid_synth_noteoff = _bind("fluid_synth_noteoff", c_int, SYNTH, c_int, c_int)
fluid_synth_cc = _bind("fluid_synth_cc", c_int, SYNTH, c_int, c_int, c_int)
# chan = -1: every channel
fluid_synth_pitch_bend = _bind("fluid_synth_pitch_bend", c_int, SYNTH, c_int, c_int)
fluid_synth_all_notes_off = _bind("fluid_synth_all_notes_off", c_int, SYNTH, c_int)
fluid_synth_all_sounds_off = _bind("fluid_synth_all_sounds_off", c_int, SYNTH, c_int)
fluid_synth_get_active_voice_count = _bind("fluid_synth_get_active_voice_count", c_int, SYNTH)
fluid_synth_get_cpu_load = _bind("fluid_synth_get_cpu_load", c_double, SYNTH)
fluid_synth_set_gain = _bind("fluid_synth_set_gain", None, SYNTH, c_float)
# len, left buffer, left offset, left stride, right buffer, right offset, right stride
fluid_synth_write_float = _bind(
    "fluid_synth_write_float", c_int, SYNTH, c_int, c_void_p, c_int, c_int, c_void_p, c_int, c_int
)

# --- SoundFont presets ----------------------------------------------------------------
fluid_sfont_iteration_start = _bind("fluid_sfont_iteration_start", None, SFONT)
fluid_sfont_iteration_next = _bind("fluid_sfont_iteration_next", PRESET, SFONT)
fluid_preset_get_name = _bind("fluid_preset_get_name", c_char_p, PRESET)
fluid_preset_get_banknum = _bind("fluid_preset_get_banknum", c_int, PRESET)
fluid_preset_get_num = _bind("fluid_preset_get_num", c_int, PRESET)

# --- audio driver ---------------------------------------------------------------------
new_fluid_audio_driver = _bind("new_fluid_audio_driver", DRIVER, SETTINGS, SYNTH)
delete_fluid_audio_driver = _bind("delete_fluid_audio_driver", None, DRIVER)
# a driver that calls a C audio function of ours (fluid_audio_func_t) with ``data``
new_fluid_audio_driver2 = _bind("new_fluid_audio_driver2", DRIVER, SETTINGS, c_void_p, c_void_p)
# fluid_synth_process's address, for C code that renders the synth's groups itself
FLUID_SYNTH_PROCESS_ADDRESS: int = cast(lib.fluid_synth_process, c_void_p).value or 0

# --- sequencer (fluid_seq_id_t is a C short) ------------------------------------------
new_fluid_sequencer2 = _bind("new_fluid_sequencer2", SEQUENCER, c_int)
delete_fluid_sequencer = _bind("delete_fluid_sequencer", None, SEQUENCER)
fluid_sequencer_set_time_scale = _bind("fluid_sequencer_set_time_scale", None, SEQUENCER, c_double)
fluid_sequencer_get_time_scale = _bind("fluid_sequencer_get_time_scale", c_double, SEQUENCER)
fluid_sequencer_get_tick = _bind("fluid_sequencer_get_tick", c_uint, SEQUENCER)
fluid_sequencer_register_fluidsynth = _bind(
    "fluid_sequencer_register_fluidsynth", c_short, SEQUENCER, SYNTH
)
# callback NULL: a source-only client
fluid_sequencer_register_client = _bind(
    "fluid_sequencer_register_client", c_short, SEQUENCER, c_char_p, c_void_p, c_void_p
)
fluid_sequencer_unregister_client = _bind(
    "fluid_sequencer_unregister_client", None, SEQUENCER, c_short
)
fluid_sequencer_send_at = _bind("fluid_sequencer_send_at", c_int, SEQUENCER, EVENT, c_uint, c_int)
fluid_sequencer_send_now = _bind("fluid_sequencer_send_now", None, SEQUENCER, EVENT)
# source, dest, type; -1 is a wildcard for each
fluid_sequencer_remove_events = _bind(
    "fluid_sequencer_remove_events", None, SEQUENCER, c_short, c_short, c_int
)

# --- sequencer events -----------------------------------------------------------------
new_fluid_event = _bind("new_fluid_event", EVENT)
delete_fluid_event = _bind("delete_fluid_event", None, EVENT)
fluid_event_set_source = _bind("fluid_event_set_source", None, EVENT, c_short)
fluid_event_set_dest = _bind("fluid_event_set_dest", None, EVENT, c_short)
fluid_event_noteon = _bind("fluid_event_noteon", None, EVENT, c_int, c_short, c_short)
fluid_event_noteoff = _bind("fluid_event_noteoff", None, EVENT, c_int, c_short)
fluid_event_control_change = _bind("fluid_event_control_change", None, EVENT, c_int, c_short, c_int)
fluid_event_program_select = _bind(
    "fluid_event_program_select", None, EVENT, c_int, c_uint, c_short, c_short
)
fluid_event_program_change = _bind("fluid_event_program_change", None, EVENT, c_int, c_int)
fluid_event_pitch_bend = _bind("fluid_event_pitch_bend", None, EVENT, c_int, c_int)
fluid_event_all_notes_off = _bind("fluid_event_all_notes_off", None, EVENT, c_int)
fluid_event_all_sounds_off = _bind("fluid_event_all_sounds_off", None, EVENT, c_int)


def version() -> str:
    return fluid_version_str().decode()


def setting_options(settings, name: str) -> list[str]:
    """The allowed values of a string setting (e.g. "audio.driver"), as the library lists them."""
    ptr = fluid_settings_option_concat(settings, name.encode(), b",")
    if not ptr:
        return []
    try:
        text = c_char_p(ptr).value or b""
    finally:
        fluid_free(ptr)
    return [opt.strip() for opt in text.decode().split(",") if opt.strip()]


def setting_exists(settings, name: str) -> bool:
    return fluid_settings_get_type(settings, name.encode()) != FLUID_NO_TYPE


def float_pointer(array) -> c_void_p:
    """The address of a C-contiguous numpy float32 array, for write_float."""
    return c_void_p(array.ctypes.data)


__all__ = [n for n in dir() if n.startswith(("fluid_", "new_fluid", "delete_fluid"))]
