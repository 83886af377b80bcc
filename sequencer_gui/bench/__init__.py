"""Benchmarks of the window (GUI thread), run by `pianola bench NAME` like those in engine/bench/."""
