"""The piano roll: geometry, canvas view, editing gestures, keyboard, ruler, velocity lane (GUI thread)."""
