"""The pure core: musical time, the score and its edits, undo history, the playback timeline, the engine protocol, value checks (pure: imports no Tk, FluidSynth, PortAudio or rtmidi)."""
