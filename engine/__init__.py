"""Pianola's engine package: the pure core (score, time, files, protocol) and the
realtime engine process (scheduler, FluidSynth and MIDI backends, client proxy).

Importing ``engine`` or any pure-core module loads no Tk, FluidSynth, PortAudio or rtmidi.
"""

__version__ = "0.1.0"
