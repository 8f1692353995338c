import numpy as np

SIMD: bool
LEVELS: tuple[str, ...]

def resample(src: np.ndarray, dst: np.ndarray, x0: float, y0: float, sx: float, sy: float,
             simd: bool | str = ...) -> None: ...
def shrink(src: np.ndarray, dst: np.ndarray, x0: float, y0: float, x1: float, y1: float,
           simd: bool | str = ...) -> None: ...
