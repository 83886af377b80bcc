"""What each command from the GUI does to the engine's parts (engine process, main thread).

``CommandHandler.apply`` takes one command the main thread read from the command pipe
and hands it to the part it is for: the song, the transport, tempo, loop and mix go
through the pattern player (which hands the scheduler what to play in song or pattern
mode), sync choices to the sync hub, auditions and panic straight to the scheduler, MIDI
choices to the router and the keyboard input.  A bad command is reported to the GUI as an
``ErrorEvent`` and the engine keeps running.

A shared session's commands (timed take-overs, a start on the shared clock) need the
session clock, which maps the session's shared start to synth frames: the first of them
opens it, and the handler closes it with the engine.
"""

from __future__ import annotations

import contextlib
import functools
import time
from dataclasses import KW_ONLY, dataclass
from typing import TYPE_CHECKING

from engine.core.errors import PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.midi.ports import port_choices
from engine.sync.sync_choice import SyncChoice

if TYPE_CHECKING:
    from engine.audio.synth import SynthBackend
    from engine.midi.router import MidiRouter
    from engine.realtime.event_sender import EventSender
    from engine.realtime.keyboard_input import KeyboardInput
    from engine.realtime.pattern_player import PatternPlayer
    from engine.realtime.scheduler import Scheduler
    from engine.realtime.session_clock import SessionClock
    from engine.realtime.transport_generation import TransportGeneration
    from engine.sync.hub import SyncHub

# what placing a start takes after the session clock is read (the scheduler's lock, its
# first window of notes) on a busy machine: the clock's first readings are waited for
# only until this long before the start
START_PLACING_NS = 60_000_000


def error_event(exc: BaseException, fatal: bool) -> evt.ErrorEvent:
    """The event that tells the GUI of ``exc`` (our own errors keep their kind)."""
    kind = type(exc).__name__ if isinstance(exc, PianolaError) else "EngineError"
    return evt.ErrorEvent(str(exc) or type(exc).__name__, fatal=fatal, kind=kind)


@dataclass(eq=False)
class CommandHandler:
    """Applies the GUI's commands to the parts ``Engine.open`` made (see module doc)."""

    scheduler: Scheduler
    player: PatternPlayer
    sync: SyncHub
    router: MidiRouter
    backend: SynthBackend
    _: KW_ONLY
    generation: TransportGeneration  # bumped around every transport jump
    sender: EventSender
    keys: KeyboardInput
    jack_server: str | None
    click_volume: int = 100  # the metronome's, for the count-in's clicks too
    session_clock: SessionClock | None = None  # a session's shared start -> frames

    def apply(self, command) -> None:
        """Apply one command; a bad command is reported, the engine keeps running."""
        try:
            self._apply(command)
        except (PianolaError, ValueError, IndexError) as exc:
            self.sender.put(error_event(exc, fatal=False))

    def _apply(self, c) -> None:
        s, player, sync, router = self.scheduler, self.player, self.sync, self.router
        if isinstance(c, cmd.LoadScoreCommand):
            router.prepare(c.score)  # opening a port takes a moment: not under a lock
            with self.generation.jump():
                player.load_score(c.score)
        elif isinstance(c, cmd.ReplaceScoreCommand):
            router.prepare(c.score)
            player.replace_score(c.score)
        elif isinstance(c, cmd.PlayCommand):
            # a sync source starts either mode on its own beat (pattern mode from the
            # pattern's start: the window's cursor is no song position)
            from_tick = None if player.mode == "pattern" else c.from_tick
            count_in = (c.count_in_bars, self.click_volume)
            with self.generation.jump():
                player.set_run_on(c.record)  # a take plays on past the end, whoever starts it
                # song mode counts in (a pattern loops from its bar at once), under Link too
                if not sync.play(from_tick, count_in if player.mode == "song" else (0, 100)):
                    player.play(c.from_tick, count_in, c.record)
        elif isinstance(c, cmd.StopCommand):
            with self.generation.jump():
                if sync.stop():
                    player.set_run_on(False)  # a peer's next start plays the song to its end
                else:
                    player.stop()
        elif isinstance(c, cmd.SetSyncCommand):
            sync.choose(SyncChoice(c.source, c.quantum, c.start_stop_sync, c.port))
        elif isinstance(c, cmd.SetMidiClockOutCommand):
            sync.set_clock_out(c.port)
        elif isinstance(c, cmd.LocateCommand):
            with self.generation.jump():
                player.locate(c.tick)
        elif isinstance(c, cmd.SetLoopCommand):
            player.set_loop(c.enabled, c.start_tick, c.end_tick)
        elif isinstance(c, cmd.SetTempoCommand):
            # pattern mode under Link: the session's tempo (song mode's: the document's,
            # which the source's adapt hands on to the session)
            if player.mode != "pattern" or not sync.request_tempo(c.bpm, c.at_next_bar):
                player.set_tempo(c.bpm, c.at_next_bar)
        elif isinstance(c, cmd.SetMeterCommand):
            tick, in_song = player.set_meter(c.numerator, c.denominator, c.at_next_bar)
            self.sender.put(evt.MeterChangedEvent(tick, c.numerator, c.denominator, in_song))
        elif isinstance(c, cmd.SetPlayModeCommand):
            # under Link while playing: on the session's next bar (the scheduler thread
            # makes it then; a jump of the transport's generation is the main thread's)
            held = functools.partial(player.set_mode, c.mode, c.pattern_id, c.track)
            if not sync.on_next_bar(lambda frame: held(at_frame=frame)):
                with self.generation.jump():
                    player.set_mode(c.mode, c.pattern_id, c.track)
        elif isinstance(c, cmd.QueuePatternCommand):
            player.queue_pattern(c.pattern_id)
        elif isinstance(c, cmd.SetFillCommand):
            player.set_fill(c.on)
        elif isinstance(c, cmd.PreviewNoteOnCommand):
            s.preview_on(c.track_index, c.pitch, c.velocity)
        elif isinstance(c, cmd.PreviewNoteOffCommand):
            s.preview_off(c.track_index, c.pitch)
        elif isinstance(c, cmd.SetTrackMixCommand):
            player.set_track_mix(c.track_index, **c.fields())
        elif isinstance(c, cmd.PanicCommand):
            s.panic()
        elif isinstance(c, cmd.ListMidiPortsCommand):
            self.sender.put(evt.MidiPortsEvent(*port_choices(self.jack_server)))
        elif isinstance(c, cmd.SetMidiInputCommand):
            self.keys.choose(c.source, c.track_index)
        elif isinstance(c, cmd.SetMetronomeCommand):
            s.set_metronome(c.enabled, c.volume)
            self.click_volume = c.volume  # the count-in's too
        elif isinstance(
            c,
            (
                cmd.ReplaceScoreAtCommand,
                cmd.PlayAtCommand,
                cmd.ReportScheduledCommand,
                cmd.SetLinkTempoCommand,
            ),
        ):
            self._apply_session(c)
        else:
            raise ValueError(f"the engine does not understand {type(c).__name__}")

    def _apply_session(self, c) -> None:
        """A shared session's commands: timed take-overs, a start on the shared clock."""
        s, player, sync, backend = self.scheduler, self.player, self.sync, self.backend
        if isinstance(c, cmd.ReplaceScoreAtCommand):
            # the song's patterns play as their notes (song mode), one realisation of the
            # dice, at the sync source's tempo (under Link: Link's)
            played = sync.adapt(player.adopt_song(c.score))
            pass_index, tick, in_time = s.replace_score_at(
                played, c.pass_index, c.tick, withdraw_later=c.withdraw_later
            )
            self.sender.put(evt.TakeOverEvent(c.version, pass_index, tick, in_time))
        elif isinstance(c, cmd.PlayAtCommand):
            clock = self._session_clock()
            aligner = clock.aligner
            # a clock opened just before the start (a peer that starts the session as it
            # joins) has no fit yet: it is waited for only while the start can still be
            # placed, and never under the aligner's lock, which its thread's checks take
            fitted = clock.wait_ready(c.at_ns - START_PLACING_NS)
            with aligner.lock if aligner is not None else contextlib.nullcontext():
                at_frame = clock.frame_heard_at(c.at_ns) if fitted else None
                if at_frame is None:  # the clock could not be read: one reading of each
                    now_ns, now_frame = time.monotonic_ns(), backend.now_frame()
                    rate = backend.sample_rate
                    at_frame = now_frame + (c.at_ns - now_ns) * rate // 1_000_000_000
                with self.generation.jump():
                    s.play(c.from_tick, at_frame=at_frame, in_phase=True)
                if aligner is not None:  # kept on the shared clock from here on
                    aligner.start(at_frame, c.at_ns)
            sync.follow_session_start()  # under Link: into Link's phase (its aligner aside)
        elif isinstance(c, cmd.SetLinkTempoCommand):
            sync.set_link_tempo(c.bpm)
        else:
            sync.join_session()
            self._session_clock()  # a session is starting: its clock reads ahead of the start
            send = self.sender.put
            s.on_scheduled = (
                (lambda notes: send(evt.NotesScheduledEvent(tuple(notes)))) if c.enabled else None
            )
            s.on_mixed = (
                (lambda mixes: send(evt.MixScheduledEvent(tuple(mixes)))) if c.enabled else None
            )

    def _session_clock(self) -> SessionClock:
        if self.session_clock is None:
            # imported here, as the first session command comes: the process starts faster
            from engine.realtime.session_clock import SessionClock
            from engine.realtime.session_sync import SessionSyncReport

            backend, sync = self.backend, self.sync
            uses_jack = backend.driver_name == "jack"
            clock = self.session_clock = SessionClock(backend, self.jack_server, uses_jack).open()
            if uses_jack:  # JACK drops cycles on a busy machine: follow its clock
                from engine.realtime.session_align import SessionAligner

                realigner = SessionAligner(
                    self.scheduler,
                    clock.frame_at,
                    lambda: self.generation.current,
                    block_frames=clock.block_frames,
                    stands_aside=sync.link_leads,  # Link keeps the beat: one re-timer
                )
                rate, send = backend.sample_rate, self.sender.put
                realigner.on_corrected = lambda shift: send(
                    evt.RealignedEvent(shift, realigner.block_frames, rate)
                )
                clock.aligner = realigner
            aligner = clock.aligner
            clock.on_check = SessionSyncReport(
                sync, lambda: 0 if aligner is None else aligner.corrections, self.sender.put
            ).check
        return self.session_clock

    def close(self) -> None:
        """Close the session clock, if a session opened one."""
        if self.session_clock is not None:
            self.session_clock.close()
