"""Pianola's Tk view and controller: windows, canvas drawing, input handling."""
