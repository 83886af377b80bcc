"""Recording from MIDI input into the edited track (GUI thread).

Record starts the transport from the cursor (the loop's start when looping and the
cursor is outside it) after the count-in, with the metronome when it is set to click
while recording.  The engine places each message it receives at the (loop pass, tick)
heard when it was played (``MidiInputEvent``); here they become a ``Take``
(``engine.core.take``) that is shown in the track as it grows -- one gesture of the
document's history, so the whole take is one undo step -- and sent to the engine with
every change, so a loop's next pass plays what the last one recorded.  Stop ends the
take: notes still held end where the transport stopped.

While the song is being edited by hand during a take (a drag in the roll), the take
waits until that edit is done; an edit, undo or redo in between ends the take's undo
step there and the rest of the take becomes a step of its own.
"""

from __future__ import annotations

from engine.core.errors import ScoreError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.take import Take, TakeSettings, lay_in
from sequencer_gui.recording.settings import count_in_words

LABEL = "Record"


class Recorder:
    """The record switch of one window: ``toggle()``, and the settings it records with."""

    def __init__(self, window, settings):
        self.window = window
        self.document = window.document
        self.link = window.link
        self.settings = settings  # sequencer_gui.recording.settings.RecordSettings
        self.take: Take | None = None
        self.track_index = 0
        self.listeners: list = []  # called with (recording) when a take starts or ends
        self._base = None  # the song the take is laid into
        self._shown = None  # the song as the take last showed it
        self._clear_from = 0
        self._laid = (0, 0)  # (notes, events) of the take already in the song
        self._stop = (0, 0)  # (pass, tick) where the transport stopped
        self._history = None  # the history of the song recorded into
        window.playback.listeners.append(self._on_playing)
        self.link.listeners.append(self.on_event)

    @property
    def recording(self) -> bool:
        return self.take is not None

    # ------------------------------------------------------------------ the switch
    def toggle(self) -> None:
        if self.recording:
            self.window.playback.stop()  # ends the take (see _on_playing)
        else:
            self.start()

    def start(self) -> None:
        window = self.window
        if not self.link.usable:
            window.set_status("Recording needs the audio engine, which is not running.")
            return
        if window.playback.playing:
            window.playback.stop()
        score = self.document.score
        tick = window.playback.start_tick()
        loop = score.loop if score.loop_enabled and score.loop is not None else None
        s = self.settings
        self.track_index = self.document.track_index
        self.take = Take(tick, loop, TakeSettings(s.mode, s.quantize_ticks(window)))
        self._base = self._shown = score
        self._clear_from = tick
        self._laid = (0, 0)
        self._history = self.document.history  # a new song (Open, New) ends the take unsaved
        self.document.begin(LABEL)
        s.send_input(window)  # the input plays through the track being recorded
        if s.metronome == "recording":
            self.link.send(cmd.SetMetronomeCommand(True, s.metronome_volume))
        window.playback.play(count_in_bars=s.count_in_bars, record=True)
        followed = window.sync_menu.source_var.get()  # what the engine follows now
        counting = count_in_words(s.count_in_bars, followed)
        track = score.tracks[self.track_index].name
        window.set_status(f"Recording into {track} ({s.mode}){counting}.")
        self._tell()

    def _on_playing(self, playing: bool) -> None:
        if not playing and self.take is not None:
            # the window may have stopped following an engine slow to start: playing to
            # record runs on until stopped, so make sure it stops
            self.link.stop()
            self.finish()

    def finish(self) -> None:
        """End the take: held notes end where the transport stopped; one undo step."""
        take = self.take
        if take is None:
            return
        if self.document.history is not self._history:
            # another song replaced the one recorded into: the take went with it
            self.take = None
            self._tell()
            return
        position = self.link.read_position()
        if position is not None and position.playing:  # the stop is on its way to the engine
            self._stop = (max(take.last[0], position.loop_count), position.tick)
        else:
            self._stop = take.last
        take.finish(self._stop[1], self._stop[0])
        self._lay_in(final=True)
        self.take = None
        s = self.settings
        if s.metronome == "recording":
            self.link.send(cmd.SetMetronomeCommand(False, s.metronome_volume))
        count = len(take.notes)
        self.window.set_status(
            f"Recorded {count} note{'s' if count != 1 else ''}."
            if count or take.controllers
            else "Recorded nothing: no MIDI input arrived while recording."
        )
        self._tell()

    def _tell(self) -> None:
        for listener in list(self.listeners):
            listener(self.recording)

    # ------------------------------------------------------------------ messages
    def on_event(self, event) -> None:
        if isinstance(event, evt.MidiInputEvent):
            take = self.take
            if (
                take is not None
                and event.playing
                and take.add(event.data, event.tick, event.pass_index)
            ):
                self._lay_in()
        elif (isinstance(event, evt.ErrorEvent) and event.fatal) or isinstance(
            event, evt.EngineDiedEvent
        ):
            self.finish()  # what was played so far is kept

    def _cleared(self, final: bool) -> tuple[int, int] | None:
        take = self.take
        if take is None or take.settings.mode != "replace":
            return None
        stop_pass, stop_tick = self._stop if final else take.last
        lo, hi = take.replaced_range(stop_tick, stop_pass)
        return (max(lo, self._clear_from), hi) if hi > max(lo, self._clear_from) else None

    def _lay_in(self, final: bool = False) -> None:
        doc, take = self.document, self.take
        if take is None or doc.history is not self._history:
            return
        history = doc.history
        if not (history.in_gesture and doc.score is self._shown):
            if history.in_gesture and not final:
                return  # a drag in the roll: the take waits for it to end
            # the song was edited meanwhile (that ended the take's undo step): go on from it
            history.commit()
            self._base = doc.score
            self._clear_from = take.last[1]
            laid = self._laid
            del take.notes[: laid[0]]
            del take.controllers[: laid[1]]
            doc.begin(LABEL)
        try:
            score = lay_in(self._base, self.track_index, take, self._cleared(final))
        except ScoreError as exc:  # the track went away meanwhile: nothing more to lay in
            self.window.set_status(str(exc))
            score = doc.score
        self._laid = (len(take.notes), len(take.controllers))
        doc.update(score)
        self._shown = doc.score
        if final:
            doc.commit()
