"""Preferences: the stored value and its dialog (GUI thread)."""
