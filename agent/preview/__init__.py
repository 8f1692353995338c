"""Seeing a video before (and after) it is exported: frames sampled from an MP4, a contact
sheet of them, the cache that keeps previews, and the system's player.

A leaf package: it imports nothing else from `agent`, so the core and the terminal can both
use it. PyAV, numpy and Pillow are imported inside the functions that need them.
"""
