"""`pianola doctor`: what this machine offers for sound, and what to do about each problem
(CLI main thread; every probe that could disturb us runs in a child process).

Reports the audio drivers FluidSynth has, whether a JACK server answers, the PortAudio
devices, the SoundFonts found and the one chosen, whether realtime priority is
allowed, and the MIDI APIs and ports.  Exit status 0 when Pianola can make sound here (a SoundFont and a driver other
than "none"), 1 otherwise; the "to do" list is printed either way.
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, field

from engine.core.errors import PianolaError


def add_arguments(parser) -> None:
    parser.add_argument(
        "--soundfont", metavar="SF2", help="check this SoundFont as if it were your setting"
    )
    parser.add_argument("--jack-server", metavar="NAME", help="also ask this JACK server")
    parser.add_argument(
        "--priority",
        type=int,
        default=None,
        metavar="N",
        help="the realtime priority to check (default 70)",
    )
    parser.add_argument(
        "--log",
        action="store_true",
        help="also show the end of the library log (FluidSynth and JACK messages)",
    )


@dataclass
class Report:
    lines: list[str] = field(default_factory=list)
    todo: list[str] = field(default_factory=list)
    can_play: bool = True

    def say(self, text: str) -> None:
        self.lines.append(text)

    def problem(self, what_to_do: str) -> None:
        self.todo.append(what_to_do)


def _check_fluidsynth(report: Report) -> list[str]:
    try:
        from engine.audio import fluid_ffi

        settings = fluid_ffi.new_fluid_settings()
        try:
            drivers = fluid_ffi.setting_options(settings, "audio.driver")
        finally:
            fluid_ffi.delete_fluid_settings(settings)
    except (ImportError, OSError) as exc:
        report.say(f"FluidSynth: not usable ({exc})")
        report.problem("Install the FluidSynth library (Debian: apt install libfluidsynth3).")
        report.can_play = False
        return []
    report.say(f"FluidSynth {fluid_ffi.version()}: audio drivers {', '.join(drivers)}")
    return drivers


def _check_jack(report: Report, extra_server: str | None, drivers: list[str]) -> None:
    from engine.audio.drivers import server_answers

    if shutil.which("jackd") is None:
        report.say("JACK: jackd is not installed")
        report.problem("For the tightest timing install JACK (Debian: apt install jackd2).")
        return
    names: list[str | None] = [None]
    for name in (os.environ.get("JACK_DEFAULT_SERVER"), extra_server):
        if name and name not in names:
            names.append(name)
    answering: list[str | None] = []
    for name in names:
        label = f"server '{name}'" if name else "default server"
        ok = server_answers(name)
        report.say(f"JACK: {label} {'answers' if ok else 'does not answer'}")
        if ok:
            answering.append(name)
    if not answering:
        report.problem(
            "No JACK server answers: start one (e.g. `jackd -d alsa`, or "
            "qjackctl), or Pianola will use another driver."
        )
    if "jack" not in drivers and drivers:
        report.problem(
            "This FluidSynth was built without JACK: install a FluidSynth "
            "package with JACK support."
        )


def _check_auto_driver(report: Report, drivers: list[str], jack_server: str | None) -> None:
    from engine.audio.drivers import choose_driver
    from engine.core.audio_settings import AudioSettings

    name, reason = choose_driver(AudioSettings(jack_server=jack_server), drivers)
    report.say(f'Driver "auto" would use: {name} ({reason})')
    if name == "none":
        report.can_play = False
        report.problem(
            "Nothing can play sound: start a JACK or PulseAudio/PipeWire "
            "server, or connect a sound card."
        )


def _check_portaudio(report: Report) -> None:
    try:
        import sounddevice

        devices = sounddevice.query_devices()
    except (ImportError, OSError) as exc:
        report.say(f"PortAudio: not usable ({exc})")
        report.problem(
            "Install PortAudio for the sounddevice driver (Debian: apt install libportaudio2)."
        )
        return
    except Exception as exc:  # sounddevice.PortAudioError derives from Exception only
        if type(exc).__name__ != "PortAudioError":
            raise
        report.say(f"PortAudio: no devices ({exc})")
        return
    outputs = [d["name"] for d in devices if d.get("max_output_channels", 0) > 0]
    if outputs:
        report.say(f"PortAudio: {len(outputs)} output device(s): {', '.join(outputs)}")
    else:
        report.say("PortAudio: no output devices")


def _check_soundfonts(report: Report, user_setting: str | None) -> None:
    from engine.files.soundfonts import ENV_VAR, choose_soundfont, list_candidates

    report.say("SoundFonts (in the order Pianola looks):")
    candidates = list_candidates(user_setting)
    for candidate in candidates:
        # Every font found, and what was asked for by name even if it is missing; the
        # dozen empty system folders are only counted.
        if candidate.exists or candidate.source in ("setting", "environment"):
            mark = "found  " if candidate.exists else "missing"
            report.say(f"  {mark} {candidate.path} ({candidate.source})")
    empty = sum(1 for c in candidates if not c.exists and c.source == "system")
    if empty:
        report.say(f"  ({empty} other system places hold no font)")
    try:
        choice = choose_soundfont(user_setting)
    except PianolaError as exc:
        report.say(f"  chosen: none ({exc})")
        report.problem(
            f"Fix the SoundFont setting or {ENV_VAR} so it names an existing "
            f".sf2 file, or unset it to use the bundled font."
        )
        report.can_play = False
        return
    report.say(f"  chosen: {choice.path} ({choice.reason})")


def _check_realtime(report: Report, priority: int | None) -> None:
    from engine.realtime.priority import DEFAULT_PRIORITY, realtime_allowed

    allowed, why = realtime_allowed(DEFAULT_PRIORITY if priority is None else priority)
    report.say(f"Realtime priority: {why}")
    if not allowed:
        report.problem(
            "Allow realtime priority: add yourself to the 'audio' group and give "
            "it an rtprio limit (e.g. '@audio - rtprio 95' in "
            "/etc/security/limits.d/audio.conf), then log in again."
        )


def _check_midi(report: Report, jack_server: str | None) -> None:
    """The MIDI APIs python-rtmidi has here and the ports on each (MIDI is optional: the
    synth plays without it, so nothing here stops Pianola from playing)."""
    from engine.midi.ports import list_ports, midi_apis

    if jack_server:
        os.environ["JACK_DEFAULT_SERVER"] = jack_server  # list the ports where we play
    apis = midi_apis()
    if not apis:
        report.say("MIDI: python-rtmidi is not installed")
        report.problem("For MIDI ports install python-rtmidi (pip install python-rtmidi).")
        return
    for api in apis:
        if not api.available:
            report.say(f"MIDI {api.name}: not available ({api.problem})")
            continue
        outs = list_ports(True, [api])
        ins = list_ports(False, [api])
        report.say(
            f"MIDI {api.name}: outputs: {', '.join(p.name for p in outs) or 'none'}; "
            f"inputs: {', '.join(p.name for p in ins) or 'none'}"
        )
        report.say(f"MIDI {api.name}: {_own_input_words(api.name)}")
    if not any(api.available for api in apis):
        report.problem(
            "No MIDI API answers, so there are no MIDI ports: load the ALSA sequencer "
            "(`sudo modprobe snd-seq`) or start a JACK server; the synth plays without them."
        )


def _own_input_words(api: str) -> str:
    """Where other programs connect to play Pianola on ``api``."""
    from engine.midi.ports import VIRTUAL_APIS, VIRTUAL_INPUT, no_virtual_sentence
    from engine.midi.rtmidi_input import PORT_NAME, VIRTUAL_CLIENT_NAME

    virtual = f"{VIRTUAL_CLIENT_NAME}:{PORT_NAME}"
    if api == "JACK":
        return (
            "Pianola's own input is pianola-midi-in:in (events placed to the frame); "
            f"'JACK: {VIRTUAL_INPUT}' opens {virtual} through python-rtmidi instead"
        )
    if api in VIRTUAL_APIS:
        return f"Pianola's own input: choose '{api}: {VIRTUAL_INPUT}' and connect to {virtual}"
    return no_virtual_sentence(api)


def _check_track_meters(report: Report) -> None:
    """The per-track level meters need their small C mix built (once, with cc)."""
    from engine.audio import group_mix

    library, why = group_mix.load()
    if library is not None:
        report.say(f"Per-track level meters: ready ({group_mix.library_path()})")
        return
    report.say(f"Per-track level meters: off ({why}); the output's meter still works")
    report.problem("For a level meter per track install a C compiler (Debian: apt install gcc).")


def _name_library_log(report: Report, show: bool) -> None:
    from engine.audio.library_log import library_log_path, tail

    path = library_log_path()
    report.say(f"Library messages (FluidSynth, JACK) are kept in {path}")
    if show:
        lines = tail(path)
        report.say(f"  last {len(lines)} lines:" if lines else "  (it is empty)")
        report.lines.extend(f"  | {line}" for line in lines)


def run(args) -> int:
    if args.priority is not None:
        from engine.realtime.priority import check_priority

        try:
            check_priority(args.priority)
        except ValueError as exc:
            raise PianolaError(f"The {exc}.") from None
    report = Report()
    drivers = _check_fluidsynth(report)
    _check_jack(report, args.jack_server, drivers)
    if drivers:
        _check_auto_driver(report, drivers, args.jack_server)
    _check_portaudio(report)
    _check_soundfonts(report, args.soundfont)
    _check_realtime(report, args.priority)
    _check_midi(report, args.jack_server)
    _check_track_meters(report)
    _name_library_log(report, args.log)
    print("\n".join(report.lines))
    if report.todo:
        print("\nTo do:")
        print("\n".join(f"  - {item}" for item in report.todo))
    else:
        print("\nEverything Pianola needs is here.")
    return 0 if report.can_play else 1
