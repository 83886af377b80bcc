"""Files in the window: open/save/import/export commands, autosave and recovery, WAV export (GUI thread)."""
