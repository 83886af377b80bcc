"""Sound out: the FluidSynth synth and its sample-clock sequencer, output drivers, offline render (engine threads)."""
