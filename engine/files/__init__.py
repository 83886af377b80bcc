"""Songs, MIDI files and SoundFonts on disk (pure apart from file I/O)."""
