"""A MIDI input port of any API python-rtmidi has, or Pianola's own virtual one (engine
process: ``open``/``close`` from the input's opening thread, the reading in a thread of
its own).

For ports Pianola's JACK helper cannot reach (ALSA sequencer, CoreMIDI, WinMM -- or a
JACK port named as ``"JACK: client:port"``).  The reader polls rtmidi's queue every
millisecond rather than taking rtmidi's callback: that callback runs in the API's own
thread (JACK's process thread, for rtmidi's JACK API) and would take the GIL there.

Each message carries the time the API stamped it with, as precisely as the API allows:
python-rtmidi gives the seconds since the previous message, which ``ArrivalClock`` lays
on the monotonic clock.  ALSA stamps an event when the sequencer receives it; rtmidi's
JACK API stamps every event of a cycle with the time its process callback ran (the
events' frame offsets are not kept), so there a message is known to a period.

Once a second the reader looks whether the port is still listed: a port that went away
is said once, and reopened (said once) when it is back.

Pianola's own virtual input (``MidiPort.virtual``) is read the same way: rtmidi opens a
port of ours on the API (``pianola-virtual-in:in``) and other programs connect to it;
it is ours, so it never goes away while open.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from engine.core.errors import MidiPortError
from engine.midi.clocks import ArrivalClock
from engine.midi.ports import MidiPort, api_ident, no_virtual_sentence, quiet_c_stderr

POLL_S = 0.001
SAMPLE_EVERY = 4  # on_poll every fourth poll, as the JACK input's reader
WATCH_EVERY = 1000  # polls between two looks at the API's port list (a second)
CLIENT_NAME = "pianola-rtmidi-in"
VIRTUAL_CLIENT_NAME = "pianola-virtual-in"  # what other programs see and connect to
PORT_NAME = "in"


class RtMidiInput:
    """Listens to ``port`` through python-rtmidi; ``on_message(at_ns, data)`` gets each
    message with the monotonic time the API stamped it at, ``on_problem(sentence)`` a
    port that went away or came back."""

    def __init__(
        self,
        port: MidiPort,
        on_message: Callable[[int, bytes], None],
        on_problem: Callable[[str], None],
    ):
        self.port = port
        self.on_message = on_message
        self.on_problem = on_problem
        self.on_poll: Callable[[], None] | None = None  # called every few polls (a clock to read)
        self.clock = ArrivalClock()
        self.present = False  # the port is open and listened to
        self._in: Any = None  # an rtmidi.MidiIn while open (rtmidi has no types)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def label(self) -> str:
        return self.port.label

    def open(self) -> RtMidiInput:
        """Open the port; MidiPortError when it is not there or will not open."""
        import rtmidi

        client = VIRTUAL_CLIENT_NAME if self.port.virtual else CLIENT_NAME
        try:
            with quiet_c_stderr():
                # rtmidi holds the GIL while it opens its client (a moment); the engine
                # process runs no Python in any JACK callback, so nothing waits on it
                self._in = rtmidi.MidiIn(api_ident(self.port.api), name=client)
        except (rtmidi.RtMidiError, OSError) as exc:
            raise MidiPortError(f"The MIDI input {self.label} cannot be opened ({exc}).") from None
        if self.port.virtual:
            self._open_virtual()
        elif not self._connect():
            self._delete()
            raise MidiPortError(f"The MIDI input {self.label} is not there now.")
        self._thread = threading.Thread(target=self._read, name="pianola-rtmidi-in", daemon=True)
        self._thread.start()
        return self

    def _open_virtual(self) -> None:
        import rtmidi

        try:
            with quiet_c_stderr():
                self._in.open_virtual_port(PORT_NAME)
        except NotImplementedError:  # python-rtmidi's word for an API without them
            self._delete()
            raise MidiPortError(no_virtual_sentence(self.port.api)) from None
        except (rtmidi.RtMidiError, OSError) as exc:
            self._delete()
            raise MidiPortError(f"The MIDI input {self.label} cannot be opened ({exc}).") from None
        self.present = True

    def _connect(self) -> bool:
        """Open the port by its name (its index moves as ports come and go)."""
        import rtmidi

        midi_in = self._in
        try:
            with quiet_c_stderr():
                names = midi_in.get_ports()
                if self.port.name not in names:
                    return False
                midi_in.open_port(names.index(self.port.name), PORT_NAME)
        except (rtmidi.RtMidiError, OSError):
            return False
        self.clock = ArrivalClock()  # a reopened port's first delta starts afresh
        self.present = True
        return True

    def _listed(self) -> bool:
        try:
            with quiet_c_stderr():
                return self.port.name in self._in.get_ports()
        except Exception:  # the API stopped answering: as good as gone
            return False

    def _read(self) -> None:
        polls = 0
        while not self._stop.wait(POLL_S):
            polls += 1
            if self.on_poll is not None and polls % SAMPLE_EVERY == 0:
                self.on_poll()
            if polls % WATCH_EVERY == 0 and not self.port.virtual:
                self._watch()
            if not self.present:
                continue
            message = self._in.get_message()
            while message is not None:
                data, delta_s = message
                at_ns = self.clock.stamp(delta_s, time.monotonic_ns())
                self.on_message(at_ns, bytes(data))
                message = self._in.get_message()

    def _watch(self) -> None:
        if self.present and not self._listed():
            self.present = False
            with quiet_c_stderr():
                self._in.close_port()
            self.on_problem(
                f"The MIDI input {self.label} went away: Pianola hears only its own "
                "input port until it is back."
            )
        elif not self.present and self._listed() and self._connect():
            self.on_problem(f"The MIDI input {self.label} is there again.")

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2.0)
            self._thread = None
        self._delete()

    def _delete(self) -> None:
        if self._in is not None:
            with quiet_c_stderr():
                self._in.close_port()
                self._in.delete()
            self._in = None
        self.present = False
