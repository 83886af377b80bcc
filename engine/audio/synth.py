"""The FluidSynth backend: synth and sample-clock sequencer (engine threads).

``SynthBackend`` owns one FluidSynth synth, one FluidSynth sequencer driven by the
synth's own sample clock (``use_system_timer=False``, time scale = sample rate, so one
sequencer tick is one frame) and the audio output it opens (``engine.audio.outputs``).  The scheduler sends events ahead with
absolute frame stamps; FluidSynth applies them inside its render loop, on its 64-frame
block grid, so no Python runs at the moment a note must sound.  Where on the sequencer's
clock an event is stamped, and which frames a clock reading has applied, is
``engine.audio.sequencer_clock``'s arithmetic.

Threads: ``schedule_*``/``cancel_pending``/``now_frame`` are called by the engine's
scheduler thread (under the scheduler's lock), ``note_*_now`` from the command thread.
FluidSynth's synth and sequencer API lock internally; the one shared event object here is
guarded by ``_event_lock``.  The audio thread is FluidSynth's (JACK, ALSA, ...) or, for
"sounddevice" and "none", one that only calls ``write_frames``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np

from engine.audio import fluid_ffi as ffi
from engine.audio import group_mix, sequencer_clock
from engine.audio.outputs import AudioOutput, open_output, resolve_driver
from engine.audio.sequencer_clock import BLOCK_FRAMES
from engine.core.audio_settings import AudioSettings
from engine.core.errors import AudioDriverError, SoundFontError
from engine.core.note import SYNTH_CHANNELS

# Outputs whose audio can pass through the metered group mix (FluidSynth's JACK driver
# takes a C callback; the others here are rendered by threads of ours or the caller).
METERED_OUTPUTS = ("jack", "none", "sounddevice", "file")
# Sequencer source clients that events are spread over by tag, so one note's events can
# be withdrawn (fluid_sequencer_remove_events filters by source) without touching others.
TAG_SLOTS = 256


class SynthBackend:
    """One FluidSynth synth + sample-clock sequencer + audio output (see module doc)."""

    block_frames = BLOCK_FRAMES
    tag_slots = TAG_SLOTS

    def __init__(self, settings: AudioSettings, soundfont_path):
        self.settings = settings
        self.soundfont_path = Path(soundfont_path) if soundfont_path is not None else None
        self.driver_name: str | None = None
        self.driver_reason = ""
        self.sample_rate = settings.sample_rate
        self.period_frames = settings.period_frames
        self._fs_settings = None
        self._synth = None
        self._sfont_id = -1
        self._seq = None
        self._dest = -1
        self._sources: list[int] = []  # sequencer client id of each tag slot
        self._event = None
        self._event_lock = threading.Lock()
        self._output: AudioOutput | None = None  # None for "file": the caller renders
        self._driver = False  # FluidSynth's own driver renders (its clock is the sequencer's)
        # Frames we rendered ourselves ("file", "sounddevice", "none"); written by the one
        # rendering thread only, read by others (a Python int read is atomic).
        self._rendered_frames = 0
        # Called with (address, frames) after each block we render ourselves, in the
        # rendering thread (the level meter); set before open.
        self.level_sink: Callable[[int, int], None] | None = None
        # Where the metered mix publishes each track's peak and the mix's (set before
        # open); None, or an output it cannot serve, renders FluidSynth's own stereo mix.
        self.meter_target: group_mix.MeterTarget | None = None
        self._mix: group_mix.GroupMix | None = None
        self.meter_reason = ""  # why there are no per-track meters, when there are none

    # --- opening and closing ---------------------------------------------------------
    def open(self) -> SynthBackend:
        """Create synth, sequencer and audio output; raises AudioDriverError/SoundFontError."""
        try:
            resolved = resolve_driver(self.settings)
            self.driver_reason = resolved.reason
            self.sample_rate, self.period_frames = resolved.sample_rate, resolved.period_frames
            library = self._meter_library(resolved.name)
            self._open_synth(groups=group_mix.GROUPS if library is not None else 1)
            if library is not None and self.meter_target is not None:
                self._mix = group_mix.GroupMix(
                    library,
                    ffi.FLUID_SYNTH_PROCESS_ADDRESS,
                    self._synth,
                    self.meter_target,
                    self.sample_rate,
                )
            self._open_sequencer()
            self._open_output(resolved.name)
        except BaseException:
            self.close()
            raise
        return self

    def _meter_library(self, driver: str):
        """The metered mix's library if this output can use it, else None (and why)."""
        if self.meter_target is None:
            return None
        if driver not in METERED_OUTPUTS:
            self.meter_reason = f"the {driver} output has no per-track meters"
            return None
        library, self.meter_reason = group_mix.load()
        return library

    @property
    def metered(self) -> bool:
        """True when the audio passes through the metered mix (each track's peak measured)."""
        return self._mix is not None

    def _open_synth(self, groups: int = 1) -> None:
        path = self.soundfont_path
        if path is None:
            raise SoundFontError("No SoundFont was given.")
        if not path.is_file():
            raise SoundFontError(f"The SoundFont {path} does not exist.")
        if not os.access(path, os.R_OK):
            raise SoundFontError(f"The SoundFont {path} cannot be read (permission denied).")
        s = self._fs_settings = ffi.new_fluid_settings()
        ffi.fluid_settings_setnum(s, b"synth.sample-rate", float(self.sample_rate))
        ffi.fluid_settings_setnum(s, b"synth.gain", float(self.settings.gain))
        ffi.fluid_settings_setint(s, b"synth.midi-channels", SYNTH_CHANNELS)
        # one output group per channel up to ``groups``: the metered mix measures each
        ffi.fluid_settings_setint(s, b"synth.audio-groups", groups)
        ffi.fluid_settings_setint(s, b"synth.audio-channels", groups)
        ffi.fluid_settings_setint(s, b"synth.reverb.active", int(self.settings.reverb))
        ffi.fluid_settings_setint(s, b"synth.chorus.active", int(self.settings.chorus))
        ffi.fluid_settings_setint(s, b"audio.period-size", self.period_frames)
        ffi.fluid_settings_setint(s, b"audio.periods", self.settings.periods)
        self._synth = ffi.new_fluid_synth(s)
        if not self._synth:
            raise AudioDriverError("FluidSynth could not create a synthesizer with these settings.")
        self._sfont_id = ffi.fluid_synth_sfload(self._synth, str(path).encode(), 1)
        if self._sfont_id == ffi.FLUID_FAILED:
            raise SoundFontError(f"The SoundFont {path} is not a readable SoundFont 2 file.")

    def _open_sequencer(self) -> None:
        self._seq = ffi.new_fluid_sequencer2(0)  # 0: advanced by the synth's sample clock
        ffi.fluid_sequencer_set_time_scale(self._seq, float(self.sample_rate))
        if ffi.fluid_sequencer_get_time_scale(self._seq) != float(self.sample_rate):
            raise AudioDriverError("This FluidSynth cannot run its sequencer on the sample clock.")
        self._dest = ffi.fluid_sequencer_register_fluidsynth(self._seq, self._synth)
        self._sources = [
            ffi.fluid_sequencer_register_client(self._seq, f"pianola-{slot}".encode(), None, None)
            for slot in range(TAG_SLOTS)
        ]
        if self._dest < 0 or min(self._sources) < 0:
            raise AudioDriverError("FluidSynth's sequencer refused the synthesizer.")
        self._event = ffi.new_fluid_event()
        ffi.fluid_event_set_dest(self._event, self._dest)

    def _open_output(self, name: str) -> None:
        self._output = open_output(
            name,
            self._fs_settings,
            self._synth,
            self.settings,
            write=self.write_frames,
            rendered_frames=lambda: self._rendered_frames,
            sample_rate=self.sample_rate,
            period_frames=self.period_frames,
            render=None if self._mix is None else (self._mix.callback_address, self._mix.data),
        )
        self._driver = self._output is not None and self._output.renders_itself
        self.driver_name = name

    def close(self) -> None:
        """Silence and free everything: the audio output first, so nothing renders freed memory."""
        if self._synth:
            ffi.fluid_synth_all_sounds_off(self._synth, -1)
        if self._output is not None:
            self._output.close()
            self._output = None
            self._driver = False
        if self._mix is not None:  # after the output: no audio thread renders through it now
            self._mix.free()
            self._mix = None
        if self._event:
            ffi.delete_fluid_event(self._event)
            self._event = None
        if self._seq:
            ffi.delete_fluid_sequencer(self._seq)  # also unregisters the synth client
            self._seq = None
        if self._synth:
            ffi.delete_fluid_synth(self._synth)
            self._synth = None
        if self._fs_settings:
            ffi.delete_fluid_settings(self._fs_settings)
            self._fs_settings = None

    def __enter__(self) -> SynthBackend:
        return self.open()

    def __exit__(self, *exc) -> None:
        self.close()

    # --- the clock -------------------------------------------------------------------
    @property
    def min_lookahead_frames(self) -> int:
        """The shortest look-ahead that still queues every event before it is rendered.

        A realtime driver renders a whole period at once, and the clock seen between
        periods lags by up to a block and a millisecond, so events must be sent at least
        that far ahead.  Offline ("file") rendering is driven by its caller.
        """
        if self.driver_name == "file":
            return 0
        return self.period_frames + 2 * BLOCK_FRAMES + self.sample_rate // 1000

    def now_frame(self) -> int:
        """The synth's sample clock: frames rendered since the synth was made.

        For FluidSynth's own drivers this is the sequencer's tick, which the synth updates
        every block in steps of one millisecond; for the drivers we render ourselves it is
        exact.
        """
        if self._driver:
            return ffi.fluid_sequencer_get_tick(self._seq)
        return self._rendered_frames

    def settled_frame(self) -> int:
        """Events at frames up to this have surely been applied (the sequencer dispatched
        them in an earlier block than the one it is in now)."""
        return sequencer_clock.settled_frame(
            ffi.fluid_sequencer_get_tick(self._seq), self.sample_rate
        )

    def applied_horizon(self) -> int:
        """Events at frames up to this may already have been applied; later ones surely not."""
        tick = ffi.fluid_sequencer_get_tick(self._seq)
        return sequencer_clock.applied_horizon(tick, self.sample_rate)

    # --- scheduled events (scheduler thread) -----------------------------------------
    def _send(self, frame: int, tag: int) -> None:
        ffi.fluid_event_set_source(self._event, self._sources[tag % TAG_SLOTS])
        # an event sent late is stamped after the sequencer's present (it is dispatched at
        # the next block either way): a stamp up to the present then always means "applied"
        stamp = max(
            sequencer_clock.stamp_for(frame, self.sample_rate),
            ffi.fluid_sequencer_get_tick(self._seq) + 1,
        )
        if ffi.fluid_sequencer_send_at(self._seq, self._event, stamp, 1) != ffi.FLUID_OK:
            raise AudioDriverError("FluidSynth's sequencer refused an event (out of memory?).")

    # ``tag`` groups events for withdrawal: cancel_tag(t) withdraws every pending event
    # whose tag is t modulo tag_slots.
    def schedule_note_on(
        self, frame: int, channel: int, key: int, velocity: int, tag: int = 0
    ) -> None:
        with self._event_lock:
            ffi.fluid_event_noteon(self._event, channel, key, velocity)
            self._send(frame, tag)

    def schedule_note_off(self, frame: int, channel: int, key: int, tag: int = 0) -> None:
        with self._event_lock:
            ffi.fluid_event_noteoff(self._event, channel, key)
            self._send(frame, tag)

    def schedule_control(
        self, frame: int, channel: int, control: int, value: int, tag: int = 0
    ) -> None:
        with self._event_lock:
            ffi.fluid_event_control_change(self._event, channel, control, value)
            self._send(frame, tag)

    def schedule_program(
        self, frame: int, channel: int, bank: int, program: int, tag: int = 0
    ) -> None:
        with self._event_lock:
            ffi.fluid_event_program_select(self._event, channel, self._sfont_id, bank, program)
            self._send(frame, tag)

    def schedule_pitch_bend(self, frame: int, channel: int, value: int, tag: int = 0) -> None:
        """The pitch wheel to ``value`` (-8192..8191, 0 = centre) at ``frame``."""
        with self._event_lock:
            ffi.fluid_event_pitch_bend(self._event, channel, value + 8192)
            self._send(frame, tag)

    def schedule_event(self, frame: int, channel: int, event, bank: int, tag: int = 0) -> None:
        """A track's controller event (``engine.core.controllers.ControlEvent``)."""
        if event.kind == "control":
            self.schedule_control(frame, channel, event.number, event.value, tag)
        elif event.kind == "pitch_bend":
            self.schedule_pitch_bend(frame, channel, event.value, tag)
        else:
            self.schedule_program(frame, channel, bank, event.value, tag)

    def cancel_pending(self) -> int:
        """Withdraw every event not yet applied; returns the last frame whose events were
        applied (every later one is withdrawn)."""
        return self._remove_events(-1, self._dest)

    def cancel_tag(self, tag: int) -> int:
        """Withdraw the pending events of ``tag``'s slot; returns the last frame whose
        events were applied, as ``cancel_pending`` does."""
        return self._remove_events(self._sources[tag % TAG_SLOTS], -1)

    def _remove_events(self, source: int, dest: int) -> int:
        """Remove pending events and say exactly where the applied ones end.

        The sequencer dispatches, at each block start, every event stamped up to the
        tick it is told there, and removal takes the same lock as dispatching: so events
        stamped up to the tick read just before the removal had been applied, and later
        ones are gone.  A horizon with margins instead (``applied_horizon``) would leave a
        few milliseconds of notes in doubt, and a note-on there that was withdrawn would
        never sound (re-timing to a sync source every few periods made that audible)."""
        tick = ffi.fluid_sequencer_get_tick(self._seq)
        ffi.fluid_sequencer_remove_events(self._seq, source, dest, -1)
        return sequencer_clock.last_frame_stamped_by(tick, self.sample_rate)

    # --- immediate control (command thread) ------------------------------------------
    def set_channel_type(self, channel: int, drum: bool) -> None:
        """Drum channels pick presets from the percussion bank (128) on any channel."""
        ffi.fluid_synth_set_channel_type(
            self._synth, channel, ffi.CHANNEL_TYPE_DRUM if drum else ffi.CHANNEL_TYPE_MELODIC
        )

    def program_now(self, channel: int, bank: int, program: int) -> bool:
        """Select a preset at once; False if the SoundFont has no such preset."""
        return (
            ffi.fluid_synth_program_select(self._synth, channel, self._sfont_id, bank, program)
            == ffi.FLUID_OK
        )

    def control_now(self, channel: int, control: int, value: int) -> None:
        ffi.fluid_synth_cc(self._synth, channel, control, value)

    def pitch_bend_now(self, channel: int, value: int) -> None:
        ffi.fluid_synth_pitch_bend(self._synth, channel, value + 8192)

    def note_on_now(self, channel: int, key: int, velocity: int) -> None:
        ffi.fluid_synth_noteon(self._synth, channel, key, velocity)

    def note_off_now(self, channel: int, key: int) -> None:
        ffi.fluid_synth_noteoff(self._synth, channel, key)

    def all_notes_off(self) -> None:
        ffi.fluid_synth_all_notes_off(self._synth, -1)

    def all_sounds_off(self) -> None:
        ffi.fluid_synth_all_sounds_off(self._synth, -1)

    # --- inspection ------------------------------------------------------------------
    def active_voices(self) -> int:
        return ffi.fluid_synth_get_active_voice_count(self._synth)

    def preset_names(self) -> dict[tuple[int, int], str]:
        """{(bank, program): name} of every preset in the loaded SoundFont."""
        sfont = ffi.fluid_synth_get_sfont_by_id(self._synth, self._sfont_id)
        names: dict[tuple[int, int], str] = {}
        if not sfont:
            return names
        ffi.fluid_sfont_iteration_start(sfont)
        while preset := ffi.fluid_sfont_iteration_next(sfont):
            key = (ffi.fluid_preset_get_banknum(preset), ffi.fluid_preset_get_num(preset))
            names[key] = (ffi.fluid_preset_get_name(preset) or b"").decode("latin-1").strip()
        return dict(sorted(names.items()))

    # --- offline rendering ("file" driver, and our own audio threads) ----------------
    def render_into(self, buffer: np.ndarray) -> None:
        """Render ``len(buffer)`` frames into a C-contiguous float32 (frames, 2) array."""
        if (
            buffer.dtype != np.float32
            or buffer.ndim != 2
            or buffer.shape[1] != 2
            or not buffer.flags.c_contiguous
        ):
            raise ValueError(
                "the render buffer must be a C-contiguous float32 array of shape (n, 2)"
            )
        if self._driver:
            raise RuntimeError("the synth already renders into an audio driver")
        self.write_frames(buffer.ctypes.data, len(buffer))

    def write_frames(self, address: int, frames: int) -> None:
        """Render ``frames`` interleaved float32 stereo frames at ``address`` (the one
        rendering thread: an output's audio thread or the offline caller)."""
        if self._mix is not None:  # it measures as it mixes
            self._mix.write_interleaved(address, frames)
            self._rendered_frames += frames
            return
        ffi.fluid_synth_write_float(self._synth, frames, address, 0, 2, address, 1, 2)
        self._rendered_frames += frames
        if self.level_sink is not None:
            self.level_sink(address, frames)

    def cpu_load(self) -> float:
        """FluidSynth's rendering load, in percent of real time."""
        return ffi.fluid_synth_get_cpu_load(self._synth) if self._synth else 0.0

    def render(self, frames: int) -> np.ndarray:
        buffer = np.empty((frames, 2), dtype=np.float32)
        self.render_into(buffer)
        return buffer
