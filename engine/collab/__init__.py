"""Live collaboration: the song as a shared CRDT document, the session server, the shared
clock and the coherence of what every peer plays."""
