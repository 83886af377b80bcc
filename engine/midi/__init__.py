"""MIDI ports in and out: listing and choosing ports, the sample-accurate JACK MIDI writer, sending at deadlines (engine threads)."""
