"""The panels around the roll: transport bar, track list, status bar (GUI thread)."""
