"""The engine process and its GUI-side proxy: bootstrap, service loop, scheduler, position counter, priority."""
