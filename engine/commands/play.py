"""`pianola play FILE`: play a song through the engine process, headless (CLI main thread).

The song goes through ``EngineClient`` exactly as the GUI sends it: the same process,
the same commands, the same events; the terminal shows bar.beat read from the shared
position counter, as the GUI's cursor does.  Ctrl-C stops cleanly: the engine is told to
shut down, which releases every note (panic) before it closes the audio output.

If the audio server goes away while playing (the JACK server stopped or killed), the
command stops at once with one sentence and exit status 1, looping or not: the song can
no longer be heard.  FluidSynth's and JACK's own messages go to the library log
(`pianola doctor` names it), not to the terminal.
"""

from __future__ import annotations

import select
import sys
import time
from pathlib import Path

from engine.commands import steps_option
from engine.core.errors import AudioDriverError, EngineDiedError, EngineError, PianolaError
from engine.core.protocol import commands as cmd
from engine.core.protocol import events as evt
from engine.core.score import Score
from engine.files.song_files import PROJECT_FIRST, read_song

DISPLAY_PERIOD_S = 0.05  # how often the bar.beat display is refreshed (and events read)
READY_TIMEOUT_S = 30.0


def play_drivers() -> tuple[str, ...]:
    """The drivers `play` offers: every known one but "file" (that is `pianola render`)."""
    from engine.core.audio_settings import KNOWN_DRIVERS

    return tuple(name for name in KNOWN_DRIVERS if name != "file")


def add_arguments(parser) -> None:
    parser.add_argument(
        "input",
        metavar="FILE",
        nargs="?",
        help="the song to play (.pianola, .mid); may be left out with --steps or --join",
    )
    # No argparse choices: a wrong name gets the engine's own one-sentence error.
    parser.add_argument(
        "--driver",
        default="auto",
        metavar="D",
        help=f"audio driver: {', '.join(play_drivers())} (default: auto, as `pianola doctor` "
        "shows; to write a file use `pianola render`)",
    )
    parser.add_argument("--soundfont", metavar="SF2", help="the SoundFont to play with")
    parser.add_argument("--jack-server", metavar="NAME", help="the JACK server to play through")
    parser.add_argument(
        "--loop",
        action="store_true",
        help="loop the song's loop region (or the whole song) until Ctrl-C or --seconds",
    )
    parser.add_argument(
        "--seconds", type=float, metavar="S", help="stop after S seconds of playing"
    )
    parser.add_argument(
        "--tempo", type=float, metavar="BPM", help="play at this tempo instead of the song's own"
    )
    parser.add_argument(
        "--no-realtime", action="store_true", help="do not ask for realtime priority"
    )
    parser.add_argument(
        "--midi-out",
        metavar="PORT",
        help="send every track to this MIDI output port instead of the synth (a port name "
        "or a unique part of one, as `pianola doctor` lists them; Pianola: its own port)",
    )
    parser.add_argument(
        "--midi-in",
        metavar="PORT",
        help="play MIDI from this port through the first track (a port name or a unique "
        "part of one, as `pianola doctor` lists them)",
    )
    parser.add_argument(
        "--metronome", action="store_true", help="click every beat (the bar's first accented)"
    )
    session = parser.add_argument_group("live session")
    session.add_argument(
        "--join", metavar="LINK", help="play in the session of this link (ws://...)"
    )
    session.add_argument(
        "--event-log", metavar="FILE", help="write every scheduled event as a JSON line"
    )
    session.add_argument("--name", help="the name the other peers see")
    session.add_argument("--start", action="store_true", help="start the session's transport")
    session.add_argument("--keep", metavar="FILE", help="on leaving, save the song to FILE")
    session.add_argument(
        "--schedule-ahead-ms", type=float, metavar="MS", help="force the schedule-ahead (testing)"
    )
    session.add_argument(
        "--random-edits",
        type=int,
        metavar="SEED",
        help="make a random edit every second from this seed (to exercise a session)",
    )
    session.add_argument(
        "--edit-track", type=int, default=0, metavar="N", help="the track --random-edits edits"
    )
    session.add_argument(
        "--edit-song",
        action="store_true",
        help="--random-edits change the tempo, the loop and the track's mix now and then too",
    )
    session.add_argument(
        "--edit-tracks",
        action="store_true",
        help="--random-edits make, remove, move and re-mix tracks now and then too",
    )
    session.add_argument(
        "--edit-same",
        action="store_true",
        help="--random-edits all edit the first track's volume or first note together, "
        "on the session clock's seconds (to exercise edits of one thing at once)",
    )
    sync = parser.add_mutually_exclusive_group()
    sync.add_argument(
        "--link",
        action="store_true",
        help="play in time with an Ableton Link session on the network (starts on its next "
        "bar; with --join, Link leads the session's tempo and beat)",
    )
    sync.add_argument(
        "--midi-clock-in",
        metavar="PORT",
        help="follow the MIDI clock arriving from this JACK MIDI port (its start, stop, tempo)",
    )
    sync.add_argument(
        "--jack-transport",
        choices=("follow", "lead"),
        help="follow JACK's transport, or lead it (Pianola's bars and beats for every client)",
    )
    parser.add_argument(
        "--midi-clock-out",
        metavar="PORT",
        help="send MIDI clock to this JACK MIDI port (Pianola: a port of its own to connect)",
    )
    parser.add_argument(
        "--quantum",
        type=float,
        default=4.0,
        metavar="N",
        help="with --link: start on a boundary of N beats (default 4: a bar of 4/4)",
    )
    steps_option.add_arguments(parser, tempo=False)


def _loop_command(score) -> cmd.SetLoopCommand:
    """The song's loop region, or the whole song rounded up to a whole bar."""
    if score.loop is not None:
        return cmd.SetLoopCommand(True, score.loop.start_tick, score.loop.end_tick)
    bar = score.time_signatures.tick_to_bar_beat(max(0, score.end_tick - 1), score.ppq).bar
    return cmd.SetLoopCommand(True, 0, score.time_signatures.bar_to_tick(bar + 1, score.ppq))


def _to_midi_port(score, query: str, jack_server: str | None):
    """Every track sent to the port ``query`` names (checked here, so a wrong name is one
    sentence before anything plays)."""
    import os
    from dataclasses import replace

    from engine.midi.ports import find_port, list_ports
    from engine.midi.router import OWN_PORT

    if query.strip().lower() == OWN_PORT.lower():
        label = OWN_PORT
    else:
        if jack_server:  # the listing looks where the engine will play
            os.environ["JACK_DEFAULT_SERVER"] = jack_server
        label = find_port(query, list_ports(True)).label
    tracks = tuple(replace(t, output="port", midi_port=label) for t in score.tracks)
    return replace(score, tracks=tracks)


def _midi_source(query: str, jack_server: str | None) -> str:
    """The input port ``query`` names, as the engine is told it: a JACK port by its name
    (connected to Pianola's own input port), another API's, or a virtual input of
    Pianola's own, by its label (opened through python-rtmidi)."""
    import os

    from engine.midi.ports import find_input

    if jack_server:
        os.environ["JACK_DEFAULT_SERVER"] = jack_server
    found = find_input(query, jack_server)
    return found.name if found.api == "JACK" and not found.virtual else found.label


NOTHING_TO_PLAY = (
    "pianola play needs a song FILE, a beat with --steps LANE=PATTERN or a session --join LINK."
)


def run(args) -> int:
    from engine.audio.library_log import route_library_output
    from engine.core.audio_settings import AudioSettings
    from engine.realtime.client import EngineClient

    if args.input is None and not args.join and not args.steps:
        raise EngineError(NOTHING_TO_PLAY)
    score: Score | None = None
    if args.input is None and args.steps:
        score = steps_option.steps_song(args)
    elif args.input is not None:
        path = Path(args.input)
        score = steps_option.with_steps(read_song(path, "plays", PROJECT_FIRST), args)
        if score.note_count == 0 and not score.placements and not args.join:
            raise EngineError(f"{path} has no notes to play.")
    if args.driver == "file":
        raise EngineError(
            "pianola play cannot use the file driver; use pianola render to write a WAV file."
        )
    if args.driver not in play_drivers():
        raise EngineError(
            f"Unknown audio driver {args.driver!r}: choose one of {', '.join(play_drivers())}."
        )
    if args.seconds is not None and not args.seconds > 0:
        raise EngineError(f"--seconds must be more than 0, not {args.seconds:g}.")
    if args.midi_out is not None and score is not None:
        score = _to_midi_port(score, args.midi_out, args.jack_server)
    if args.join:
        from engine.commands.play_session import run_session

        try:
            settings = AudioSettings(
                driver=args.driver, soundfont=args.soundfont, jack_server=args.jack_server
            )
        except ValueError as exc:
            raise EngineError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None
        route_library_output("pianola play")  # inherited by the engine process
        return run_session(args, settings, score)
    if score is None:  # (only a session may start without a song)
        raise EngineError(NOTHING_TO_PLAY)
    try:
        settings = AudioSettings(
            driver=args.driver, soundfont=args.soundfont, jack_server=args.jack_server
        )
        commands: list = [cmd.LoadScoreCommand(score)]
        if args.link:
            commands.append(cmd.SetSyncCommand("link", args.quantum))
        elif args.jack_transport:
            commands.append(cmd.SetSyncCommand(f"jack-{args.jack_transport}"))
        elif args.midi_clock_in:
            commands.append(cmd.SetSyncCommand("midi-clock", port=args.midi_clock_in))
        if args.midi_clock_out:
            commands.append(cmd.SetMidiClockOutCommand(args.midi_clock_out))
        if args.tempo is not None:
            commands.append(cmd.SetTempoCommand(args.tempo))
        if args.loop and args.input is None:
            # a beat sketched with --steps loops as a pattern: its passes count on
            commands.append(cmd.SetPlayModeCommand("pattern", score.patterns[0].id, 0))
        elif args.loop:
            commands.append(_loop_command(score))
        if args.metronome:
            commands.append(cmd.SetMetronomeCommand(True))
        if args.midi_in is not None:
            commands.append(cmd.SetMidiInputCommand(_midi_source(args.midi_in, args.jack_server)))
        commands.append(cmd.PlayCommand(0))
    except PianolaError:
        raise
    except ValueError as exc:  # a setting out of range: AudioSettings names it
        raise EngineError(f"{str(exc)[:1].upper()}{str(exc)[1:]}.") from None

    route_library_output("pianola play")  # inherited by the engine process
    client = EngineClient(settings, realtime=not args.no_realtime)
    client.start()
    try:
        ready = client.wait_ready(READY_TIMEOUT_S)
        print(ready.summary(), flush=True)
        if ready.driver == "none" and args.driver == "auto":
            print(
                "pianola: no audio output was found, so nothing will be heard; "
                "`pianola doctor` says what to do.",
                file=sys.stderr,
            )
        for command in commands:
            client.send(command)
        _play_until_done(client, score, args.seconds)
    except KeyboardInterrupt:
        _clear_line()
        print("Stopped.", flush=True)
        return 130
    finally:
        client.close()  # ShutdownCommand: the engine panics, then closes its audio
    return 0


def _play_until_done(client, score, seconds: float | None) -> None:
    """Show bar.beat until the song ends, ``seconds`` pass, or the engine fails."""
    show = sys.stdout.isatty()
    started = time.monotonic()
    last_shown = None
    while True:
        if seconds is not None and time.monotonic() - started >= seconds:
            break
        # Woken by events or the engine's death, like the GUI's file handler.
        select.select([client.event_fd, client.death_fd], [], [], DISPLAY_PERIOD_S)
        for event in client.poll_events():
            if isinstance(event, evt.StoppedEvent):
                _clear_line()
                return
            if isinstance(event, evt.EngineDiedEvent):
                raise EngineDiedError(event.message)
            if isinstance(event, evt.AudioLostEvent):
                _clear_line()
                raise AudioDriverError(event.message)
            if isinstance(event, evt.ErrorEvent):
                print(f"pianola: {event.message}", file=sys.stderr)
            elif isinstance(event, evt.SyncEvent):
                _clear_line()
                print(f"pianola: {event.message}", flush=True)
            elif isinstance(event, evt.LateEvent):
                print(
                    f"pianola: {event.count} events were sent late (worst by "
                    f"{event.worst_frames} frames).",
                    file=sys.stderr,
                )
        if show:
            position = client.read_position()
            beat = score.time_signatures.tick_to_bar_beat(position.tick, score.ppq)
            shown = (beat.bar, beat.beat, position.loop_count)
            if shown != last_shown:
                loops = f"  (pass {position.loop_count + 1})" if position.loop_count else ""
                sys.stdout.write(f"\r{beat.bar}.{beat.beat}{loops}    ")
                sys.stdout.flush()
                last_shown = shown
    _clear_line()


def _clear_line() -> None:
    if sys.stdout.isatty():
        sys.stdout.write("\r" + " " * 30 + "\r")
        sys.stdout.flush()
