"""The window's side of a live session: Share, Join, the peers and their marks in the roll."""
