"""The fill key is the key left of 1 whatever the layout prints on it, and F8 on any
keyboard (the real window under Xvfb, key events through the X server)."""

import ctypes
import ctypes.util
import shutil
import subprocess

import pytest

from sequencer_gui.shortcuts import BY_NAME, LEFT_OF_ONE_KEYCODE
from tests.sequencer_gui.conftest import pump
from tests.sequencer_gui.steps.steps_helpers import GridDriver, drum_window

pytestmark = pytest.mark.gui


@pytest.fixture
def d(window):
    drum_window(window)
    return GridDriver(window)


def set_key_symbols(keycode: int, names: list[str]) -> None:
    """Change what the X server's keymap prints on ``keycode`` (as a layout switch does)."""
    x11 = ctypes.CDLL(ctypes.util.find_library("X11"))
    x11.XOpenDisplay.restype = ctypes.c_void_p
    x11.XOpenDisplay.argtypes = [ctypes.c_char_p]
    x11.XStringToKeysym.restype = ctypes.c_ulong
    x11.XStringToKeysym.argtypes = [ctypes.c_char_p]
    x11.XChangeKeyboardMapping.argtypes = [
        ctypes.c_void_p,
        ctypes.c_int,
        ctypes.c_int,
        ctypes.POINTER(ctypes.c_ulong),
        ctypes.c_int,
    ]
    x11.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
    x11.XCloseDisplay.argtypes = [ctypes.c_void_p]
    display = x11.XOpenDisplay(None)
    assert display, "no X display"
    symbols = (ctypes.c_ulong * len(names))(*(x11.XStringToKeysym(n.encode()) for n in names))
    assert all(symbols), f"unknown key symbols {names}"
    x11.XChangeKeyboardMapping(display, keycode, len(names), symbols, 1)
    x11.XSync(display, 0)
    x11.XCloseDisplay(display)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True, timeout=20)


def test_the_key_left_of_1_fills_on_a_layout_where_it_is_not_grave(window, d):
    if shutil.which("xdotool") is None:
        pytest.fail("xdotool is not installed: run ./test.sh, which installs it")
    assert LEFT_OF_ONE_KEYCODE in BY_NAME["fill"].keycodes
    session = window.steps.session
    names = []
    d.canvas.bind("<KeyRelease>", lambda e: names.append(e.keysym), add="+")
    set_key_symbols(LEFT_OF_ONE_KEYCODE, ["twosuperior"])  # a French keyboard's key there
    try:
        window.root.lift()
        d.canvas.focus_force()
        pump(window.root, 1, lambda: False)  # Tk takes in the new keymap
        xdotool("keydown", "twosuperior")
        assert pump(window.root, 20, lambda: session.fill), "the key did not switch fill on"
        xdotool("keyup", "twosuperior")
        assert pump(window.root, 20, lambda: not session.fill), "fill stayed on"
        assert "twosuperior" in names  # the key really came as the other layout's symbol
    finally:
        set_key_symbols(LEFT_OF_ONE_KEYCODE, ["grave", "asciitilde"])
        pump(window.root, 0.5, lambda: False)
    assert not window.steps.panel.bar.fill_var.get()


def test_f8_fills_while_held_as_the_key_left_of_1_does(window, d):
    session = window.steps.session
    d.key("<KeyPress-F8>")
    assert session.fill and window.steps.panel.bar.fill_var.get()
    d.canvas.event_generate("<KeyRelease-F8>")
    assert pump(window.root, 20, lambda: not session.fill)


def test_other_keys_pass_the_catch_all_binding_untouched(window, d):
    """The keycode binding must not eat keys: typing in a field still types."""
    entry = window.transport.position
    entry.focus_force()
    window.root.update()
    entry.delete(0, "end")
    entry.event_generate("<KeyPress>", keysym="3")
    window.root.update()
    assert entry.get() == "3" and not window.steps.session.fill
