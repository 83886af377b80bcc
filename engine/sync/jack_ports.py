"""Finding and connecting another program's JACK MIDI ports for the sync sources (engine
main thread, while a source opens)."""

from __future__ import annotations


def connect(server: str | None, source: str, destination: str) -> None:
    """Connect two JACK ports through a short-lived client (MidiPortError if it cannot)."""
    import jack

    from engine.core.errors import MidiPortError

    try:
        with jack.Client("pianola-connect", no_start_server=True, servername=server) as client:
            client.connect(source, destination)
    except jack.JackError as exc:
        raise MidiPortError(f"{source} cannot be connected to {destination} ({exc}).") from None


def jack_midi_port(server: str | None, query: str, output: bool) -> str:
    """The one JACK MIDI port of ``server`` whose name contains ``query`` (another
    program's output when ``output``, else its input); MidiPortError says why not."""
    import jack

    from engine.core.errors import MidiPortError

    what = "MIDI output" if output else "MIDI input"
    try:
        with jack.Client("pianola-find", no_start_server=True, servername=server) as client:
            names = [
                p.name
                for p in client.get_ports(is_midi=True, is_output=output, is_input=not output)
                if not p.name.startswith("pianola")
            ]
    except jack.JackError as exc:
        raise MidiPortError(f"JACK's MIDI ports cannot be listed ({exc}).") from None
    exact = [n for n in names if n == query.strip()]
    matching = exact or [n for n in names if query.strip().lower() in n.lower()]
    if len(matching) == 1:
        return matching[0]
    there = "; ".join(names) or "none"
    if not matching:
        raise MidiPortError(f"No JACK {what} port matches {query!r}: the ports are {there}.")
    raise MidiPortError(
        f"{len(matching)} JACK {what} ports match {query!r}: give more of the name."
    )
