"""How big a point is on this screen: Tk scaling from the desktop's DPI setting (GUI thread).

Tk sizes fonts in points through ``tk scaling`` (pixels per point), which it derives from
the physical size the X server reports.  That size is often invented (Xvfb, many
monitors, every VNC server), and desktops that scale for high-DPI screens say so
elsewhere: in the ``Xft.dpi`` X resource (GNOME, KDE, Xfce all set it) or ``GDK_SCALE``.
So the DPI is taken, in order, from ``$PIANOLA_DPI``, ``Xft.dpi`` times ``GDK_SCALE``,
the server's figure when it is plausible, and 96 otherwise.  Canvas sizes given in
pixels at 96 DPI are multiplied by ``dpi / 96``.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

BASE_DPI = 96.0
MIN_DPI, MAX_DPI = 72.0, 480.0
DPI_ENV = "PIANOLA_DPI"


def parse_xft_dpi(resources: str) -> float | None:
    """The ``Xft.dpi`` value of an X resource database text, or None."""
    for line in resources.splitlines():
        name, _, value = line.partition(":")
        if name.strip() == "Xft.dpi":
            try:
                dpi = float(value.strip())
            except ValueError:
                return None
            return dpi if MIN_DPI <= dpi <= MAX_DPI else None
    return None


def _x_resources(display: str) -> str:
    """The RESOURCE_MANAGER text of ``display`` (what ``xrdb -query`` prints), or ""."""
    name = ctypes.util.find_library("X11")
    if not name:
        return ""
    try:
        x11 = ctypes.CDLL(name)
    except OSError:
        return ""
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XResourceManagerString.restype = ctypes.c_char_p
    x11.XResourceManagerString.argtypes = [ctypes.c_void_p]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    dpy = x11.XOpenDisplay(display.encode())
    if not dpy:
        return ""
    try:
        text = x11.XResourceManagerString(dpy)
        return text.decode("utf-8", "replace") if text else ""
    finally:
        x11.XCloseDisplay(dpy)


def choose_dpi(
    env_dpi: str | None, xft_dpi: float | None, gdk_scale: str | None, server_dpi: float
) -> float:
    """The DPI to draw at, from what the environment says (pure; see the module docstring)."""
    if env_dpi:
        try:
            dpi = float(env_dpi)
        except ValueError:
            dpi = 0.0
        if MIN_DPI <= dpi <= MAX_DPI:
            return dpi
    try:
        gdk = max(1, int(gdk_scale)) if gdk_scale else 1
    except ValueError:
        gdk = 1
    if xft_dpi:
        return min(MAX_DPI, xft_dpi * gdk)
    if 90.0 <= server_dpi <= 300.0:
        return server_dpi * gdk
    return BASE_DPI * gdk


def apply_scaling(root) -> float:
    """Set Tk's scaling for this screen; returns the factor over 96 DPI for canvas sizes."""
    server_dpi = root.winfo_fpixels("1i")
    xft = None
    if root.tk.call("tk", "windowingsystem") == "x11":
        xft = parse_xft_dpi(_x_resources(root.winfo_screen()))
    dpi = choose_dpi(os.environ.get(DPI_ENV), xft, os.environ.get("GDK_SCALE"), server_dpi)
    root.tk.call("tk", "scaling", dpi / 72.0)
    return dpi / BASE_DPI
