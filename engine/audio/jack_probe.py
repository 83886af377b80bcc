"""Asking a JACK server whether it takes a client, and its rate and period (runs as a child
process of whoever asks: ``python jack_probe.py GIVE_UP_S [SERVER]``; see
``drivers.probe_jack``).

It opens one JACK client through libjack (ctypes: nothing here imports the engine), prints
``RATE PERIOD`` and closes it; the exit status says why not.  Its client is named after its
own process id, so no two probes alive at once share a name: jack2 keys each client's
wake-up futex and notification socket in /dev/shm on its name, and ``jack_lsp`` (always
"lsp") run by several askers at once left clients failing to connect to a deleted "lsp"
futex.

Exit status: 0 answers; NO_SERVER nothing listens under that name; REFUSED the server is
there but this client failed (worth asking again); NO_LIBRARY libjack is missing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

NO_SERVER = 3
REFUSED = 4
NO_LIBRARY = 5

# jack/types.h: jack_options_t and jack_status_t bits
_NO_START_SERVER = 0x01
_USE_EXACT_NAME = 0x02
_SERVER_NAME = 0x04
_SERVER_FAILED = 0x10  # "unable to connect to the JACK server"


def client_name() -> str:
    return f"pianola-probe-{os.getpid()}"


def _libjack() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL("libjack.so.0")
    except OSError:  # elsewhere (macOS): find_library runs ldconfig, dearer than the probe
        name = ctypes.util.find_library("jack")
    try:
        return ctypes.CDLL(name) if name else None
    except OSError:
        return None


def main(argv: list[str]) -> int:
    # a server that keeps us waiting this long is wedged: nothing is lost by leaving it
    signal.alarm(int(argv[0]))
    server = argv[1] if len(argv) > 1 else None
    lib = _libjack()
    if lib is None:
        print("libjack is not installed", file=sys.stderr)
        return NO_LIBRARY
    lib.jack_client_open.restype = ctypes.c_void_p
    lib.jack_get_sample_rate.restype = ctypes.c_uint32
    lib.jack_get_buffer_size.restype = ctypes.c_uint32
    lib.jack_get_sample_rate.argtypes = [ctypes.c_void_p]
    lib.jack_get_buffer_size.argtypes = [ctypes.c_void_p]
    lib.jack_client_close.argtypes = [ctypes.c_void_p]
    status = ctypes.c_int(0)
    options = _NO_START_SERVER | _USE_EXACT_NAME
    name = client_name().encode()
    if server:  # jack_client_open is variadic: the server name follows only with its bit
        client = lib.jack_client_open(
            name, options | _SERVER_NAME, ctypes.byref(status), server.encode()
        )
    else:
        client = lib.jack_client_open(name, options, ctypes.byref(status))
    if not client:
        print(f"jack_client_open failed (status 0x{status.value:x})", file=sys.stderr)
        return NO_SERVER if status.value & _SERVER_FAILED else REFUSED
    rate = lib.jack_get_sample_rate(client)
    period = lib.jack_get_buffer_size(client)
    lib.jack_client_close(client)
    print(rate, period, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
