"""Python's cyclic garbage collector, paused while the chat starts.

Start-up makes some 50,000 long-lived objects (modules, classes, pydantic validators), and
the collector walked them again and again while they were being made: about 90 ms of the
half second from launch to the greeting. `pause()` stops it from launch; once connected,
`resume()` moves everything start-up made into the permanent generation (`gc.freeze()`: it
lives as long as the process anyway, and so do the few hundred cyclic leftovers of start-up)
and turns the collector back on for everything that comes after. Only the `nemo-chat`
command pauses; anything else calling `resume()` (tests driving the chat) changes nothing.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    global _paused
    if _paused:
        _paused = False
        gc.freeze()
        gc.enable()
