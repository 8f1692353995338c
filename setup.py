"""Only the C part of the renderer; everything else about the package is in pyproject.toml.

`backend/render/_resample.c` draws the pictures of local renders and prepares their stills (see
its headers). It is optional: without a C compiler the install still succeeds and the renderer
uses OpenCV and Pillow instead (slower). setup.py rather than pyproject's `ext-modules` table, which setuptools still marks
experimental (and says so on every install).
"""

from setuptools import Extension, setup

setup(ext_modules=[
    Extension("backend.render._resample", ["backend/render/_resample.c"], optional=True),
])
