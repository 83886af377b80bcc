"""Generators of the bundled assets: the SoundFont and the demo song (pure, run at build time)."""
