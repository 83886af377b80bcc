"""Listening from outside: a private dummy JACK server, audio capture, onset finding (tests, benchmarks, doctor)."""
