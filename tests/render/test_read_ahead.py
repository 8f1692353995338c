"""The sound track read ahead on its own thread gives the encoder exactly the mix's samples."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from backend.render.ahead import ReadAhead
from backend.render.errors import RenderCancelled


class _Counting:
    """A sound whose sample i is (i, -i); counts how far it was read."""

    def __init__(self, total: int, fail_at: int | None = None) -> None:
        self.total, self.made, self.fail_at = total, 0, fail_at

    def __len__(self) -> int:
        return self.total

    def read(self, n: int) -> np.ndarray:
        if self.fail_at is not None and self.made >= self.fail_at:
            raise RuntimeError("the music file is broken")
        idx = np.arange(self.made, self.made + n, dtype=np.float32)
        self.made += n
        return np.stack([idx, -idx], axis=1)


@pytest.mark.parametrize("sizes", [[1000] * 10, [1, 4999, 2500, 2500], [10_000]])
def test_reads_in_any_sizes_give_the_same_samples(sizes: list[int]) -> None:
    ahead = ReadAhead(_Counting(10_000), lambda: False, block=1024, depth=2)
    got = np.concatenate([ahead.read(n) for n in sizes])
    ahead.close()
    assert len(ahead) == 10_000
    assert np.array_equal(got[:, 0], np.arange(10_000, dtype=np.float32))


def test_it_reads_only_a_few_blocks_ahead() -> None:
    sound = _Counting(10_000_000)
    ahead = ReadAhead(sound, lambda: False, block=1000, depth=3)
    ahead.read(10)
    threading.Event().wait(0.2)
    assert sound.made <= 1000 * 5  # what was read, the queue's 3 blocks and one in hand
    ahead.close()


def test_a_failure_of_the_mix_reaches_the_reader() -> None:
    ahead = ReadAhead(_Counting(10_000, fail_at=3000), lambda: False, block=1000)
    with pytest.raises(RuntimeError, match="broken"):
        ahead.read(10_000)
    ahead.close()


def test_a_cancelled_render_stops_the_reader() -> None:
    stop = threading.Event()
    ahead = ReadAhead(_Counting(10_000_000), stop.is_set, block=1000, depth=1)
    ahead.read(10)
    stop.set()
    with pytest.raises(RenderCancelled):
        ahead.read(10_000_000)
    ahead.close()
