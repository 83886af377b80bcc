"""The step sequencer views: step grid, parameter lane, pattern bar, song view (GUI thread)."""
