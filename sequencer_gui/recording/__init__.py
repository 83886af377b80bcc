"""Recording and step input from MIDI input (GUI thread)."""
