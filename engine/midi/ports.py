"""Which MIDI APIs and ports the platform has, and finding a port by name (any thread).

python-rtmidi lists ports on every API it was built with (ALSA sequencer and JACK MIDI on
Linux, CoreMIDI on macOS, WinMM on Windows).  JACK is asked through JACK-Client instead:
rtmidi holds the GIL while it opens and closes its JACK client, and jack2 waits there for
every client's process cycle -- a deadlock in any process that also runs a Python JACK
callback.  JACK-Client (cffi) lets go of the GIL in its calls.  A port is named to the musician as
``"API: port name"`` (``"JACK: fluidsynth:midi_00"``, ``"ALSA: Virtual Raw MIDI 1-0:0"``);
a query chooses it by its whole name or by a part that only it contains.

Pianola's own virtual input (``"ALSA: Pianola virtual input"``) is a port Pianola opens on
an API for other programs to connect to; rtmidi can open one on ALSA, JACK and CoreMIDI,
not on WinMM (Windows has no virtual ports).  On JACK the engine's own JACK input
(``pianola-midi-in:in``) is the one offered, as it knows each event's frame.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass

from engine.core.errors import MidiPortError
from engine.core.protocol.commands import VIRTUAL_MIDI_INPUT, is_virtual_input

CLIENT_NAME = "pianola-probe"
# a client that cannot open is asked again: with no server each try fails at once
OPEN_ATTEMPTS = 3
OPEN_RETRY_S = 0.1


@dataclass(frozen=True, slots=True)
class MidiApi:
    """One API python-rtmidi was built with, and whether it answers here."""

    ident: int
    name: str  # short: "ALSA", "JACK", "CoreMIDI", "WinMM"
    available: bool
    problem: str = ""  # why it is not available (one sentence)


@dataclass(frozen=True, slots=True)
class MidiPort:
    """A port other software or hardware offers: where Pianola can send or receive."""

    api: str  # MidiApi.name
    name: str  # the API's own name of the port
    index: int  # its index in rtmidi's list (valid until ports come or go); -1 virtual

    @property
    def virtual(self) -> bool:
        """Pianola's own virtual input on this API (opened, not looked up)."""
        return self.index < 0 and self.name == VIRTUAL_INPUT

    @property
    def label(self) -> str:
        return f"{self.api}: {self.name}"


@contextlib.contextmanager
def quiet_c_stderr():
    """Silence what C libraries print on file descriptor 2 meanwhile (ALSA's "cannot open
    /dev/snd/seq" lines): the caller says what went wrong in its own words."""
    try:
        saved = os.dup(2)
    except OSError:
        yield
        return
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _api_name(rtmidi, ident: int) -> str:
    return {
        rtmidi.API_LINUX_ALSA: "ALSA",
        rtmidi.API_UNIX_JACK: "JACK",
        rtmidi.API_MACOSX_CORE: "CoreMIDI",
        rtmidi.API_WINDOWS_MM: "WinMM",
    }.get(ident, rtmidi.get_api_display_name(ident))


def api_ident(api: str) -> int:
    """rtmidi's number of the API a port's ``api`` names."""
    import rtmidi

    return {
        "ALSA": rtmidi.API_LINUX_ALSA,
        "JACK": rtmidi.API_UNIX_JACK,
        "CoreMIDI": rtmidi.API_MACOSX_CORE,
        "WinMM": rtmidi.API_WINDOWS_MM,
    }[api]


def _problem(api: str, exc: Exception) -> str:
    if api == "ALSA":
        return (
            "the ALSA sequencer cannot be opened (no /dev/snd/seq: load the snd-seq "
            "kernel module, or run where a sound card is)"
        )
    if api == "JACK":
        return "no JACK server is running (start one, e.g. with qjackctl or jackd)"
    return f"it does not answer ({exc})"


def midi_apis(server: str | None = None) -> list[MidiApi]:
    """Every API python-rtmidi was built with; ``available`` when a client opens on it
    (JACK's on ``server``, None: the default one)."""
    try:
        import rtmidi
    except ImportError:
        return []
    os.environ.setdefault("JACK_NO_START_SERVER", "1")  # listing must not start a server
    apis = []
    for ident in rtmidi.get_compiled_api():
        if ident == rtmidi.API_RTMIDI_DUMMY:
            continue
        name = _api_name(rtmidi, ident)
        try:
            with quiet_c_stderr():
                if name == "JACK":
                    _jack_ports(True, server)
                else:
                    rtmidi.MidiOut(ident, name=CLIENT_NAME).delete()
        except (rtmidi.RtMidiError, OSError) as exc:
            apis.append(MidiApi(ident, name, False, _problem(name, exc)))
        else:
            apis.append(MidiApi(ident, name, True))
    return apis


def list_ports(
    output: bool = True, apis: list[MidiApi] | None = None, server: str | None = None
) -> list[MidiPort]:
    """The ports Pianola can send to (``output``) or receive from, on every API that answers.

    Pianola's own ports are left out (a track sent to itself would loop)."""
    import rtmidi

    found = []
    for api in apis if apis is not None else midi_apis(server):
        if not api.available:
            continue
        kind = rtmidi.MidiOut if output else rtmidi.MidiIn
        try:
            with quiet_c_stderr():
                if api.name == "JACK":
                    names = _jack_ports(output, server)
                else:
                    probe = kind(api.ident, name=CLIENT_NAME)
                    names = probe.get_ports()
                    probe.delete()
        except (rtmidi.RtMidiError, OSError):
            continue
        for index, name in enumerate(names):
            if not name.lower().startswith(("pianola", CLIENT_NAME)):
                found.append(MidiPort(api.name, name, index))
    return found


def _jack_ports(output: bool, server: str | None = None) -> list[str]:
    """JACK MIDI ports to send to (their inputs) or to receive from (their outputs) on
    ``server`` (None: the default); OSError when no server answers.  An engine names its
    own server: a process with clients on two JACK servers can crash in libjack."""
    try:
        import jack
    except (ImportError, OSError) as exc:
        raise OSError(f"no JACK library ({exc})") from None
    client = None
    for attempt in range(OPEN_ATTEMPTS):
        try:
            client = jack.Client(CLIENT_NAME, no_start_server=True, servername=server)
            break
        except jack.JackError as exc:
            # a starved server can miss one client's opening handshake: ask again
            # before saying there are no ports at all
            if attempt == OPEN_ATTEMPTS - 1:
                raise OSError(str(exc)) from None
            time.sleep(OPEN_RETRY_S)
    assert client is not None
    try:
        for attempt in range(OPEN_ATTEMPTS):
            try:
                ports = client.get_ports(is_midi=True, is_input=output, is_output=not output)
                return [p.name for p in ports]
            except jack.JackError as exc:
                # a port that went away between being listed and being looked up: the
                # next listing no longer has it
                if attempt == OPEN_ATTEMPTS - 1:
                    raise OSError(str(exc)) from None
        return []
    finally:
        client.close()


def find_port(query: str, ports: list[MidiPort], what: str = "MIDI output") -> MidiPort:
    """The one port ``query`` names: its label or name exactly, else the only one whose
    label contains it (case-insensitive).  MidiPortError says why not, and what there is."""
    query = query.strip()
    if not query:
        raise MidiPortError(f"No {what} port was named.")
    exact = [p for p in ports if query in (p.label, p.name)]
    if len(exact) == 1:
        return exact[0]
    wanted = query.lower()
    matching = exact or [p for p in ports if wanted in p.label.lower()]
    if len(matching) == 1:
        return matching[0]
    if not matching:
        there = "; ".join(p.label for p in ports) or "none at all (`pianola doctor` says why)"
        raise MidiPortError(f"No {what} port matches {query!r}: the ports are {there}.")
    names = "; ".join(p.label for p in matching)
    raise MidiPortError(
        f"{len(matching)} {what} ports match {query!r} ({names}): give more of the name."
    )


def no_api_sentence(apis: list[MidiApi]) -> str:
    """One sentence saying why no MIDI API answers (each API's own reason)."""
    why = "; ".join(f"{api.name}: {api.problem}" for api in apis) or "python-rtmidi is missing"
    return f"No MIDI API answers here ({why})."


def is_api_label(source: str) -> bool:
    """True for "API: port name" (a port opened through python-rtmidi on that API)."""
    api, sep, _ = source.partition(": ")
    return bool(sep) and api in API_NAMES


API_NAMES = ("ALSA", "JACK", "CoreMIDI", "WinMM")
VIRTUAL_INPUT = VIRTUAL_MIDI_INPUT
VIRTUAL_APIS = ("ALSA", "JACK", "CoreMIDI")  # where rtmidi can open a virtual port


def virtual_inputs(apis: list[MidiApi]) -> list[MidiPort]:
    """Pianola's own virtual input on each API that answers and can open one."""
    return [
        MidiPort(api.name, VIRTUAL_INPUT, -1)
        for api in apis
        if api.available and api.name in VIRTUAL_APIS
    ]


def no_virtual_sentence(api: str) -> str:
    return (
        f"{api} has no virtual ports, so Pianola cannot open an input of its own there: "
        "install a loopback driver (such as loopMIDI) and choose its port."
    )


def find_input(query: str, server: str | None = None) -> MidiPort:
    """The one port to listen to that ``query`` names, on every API that answers (JACK's
    on ``server``), Pianola's own virtual inputs included; MidiPortError says why not --
    no API, no match, several, no virtual ports on that API."""
    apis = midi_apis(server)
    usable = [api for api in apis if api.available]
    if not usable:
        raise MidiPortError(no_api_sentence(apis))
    return choose_input(query, usable, list_ports(False, usable, server))


def choose_input(query: str, usable: list[MidiApi], ports: list[MidiPort]) -> MidiPort:
    """The one of ``ports`` and of the virtual inputs of ``usable`` that ``query`` names."""
    api = query.strip().partition(": ")[0]
    if is_virtual_input(query) and api in API_NAMES and api not in VIRTUAL_APIS:
        raise MidiPortError(no_virtual_sentence(api))
    return find_port(query, ports + virtual_inputs(usable), what="MIDI input")


def port_choices(
    server: str | None = None,
) -> tuple[tuple[str, ...], tuple[str, ...], str, tuple[str, ...]]:
    """(labels of the ports to send to, full names of the JACK MIDI outputs to listen to,
    one sentence when no MIDI API answers, labels of the other APIs' ports to listen to)
    for the window's menus; JACK's on ``server``."""
    apis = midi_apis(server)
    usable = [api for api in apis if api.available]
    if not usable:
        return (), (), no_api_sentence(apis), ()
    outputs = tuple(port.label for port in list_ports(True, usable, server))
    sources = list_ports(False, usable, server)
    inputs = tuple(port.name for port in sources if port.api == "JACK")
    others = tuple(port.label for port in sources if port.api != "JACK")
    return outputs, inputs, "", others + offered_virtual_inputs(usable)


def offered_virtual_inputs(usable: list[MidiApi]) -> tuple[str, ...]:
    """The virtual inputs the window offers: not JACK's (the engine's own JACK input is
    there already, and places events to the frame)."""
    return tuple(port.label for port in virtual_inputs(usable) if port.api != "JACK")
