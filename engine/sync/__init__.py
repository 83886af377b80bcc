"""Playing in time with other programs: Ableton Link, JACK's clock (engine threads).

``host_clock`` (pure) fits host time to audio frames; ``jack_clock`` reads JACK's cycles
against the host clock; ``link_session`` is one Link peer; ``link_follower`` keeps the
scheduler's timeline on the session's beats.
"""
