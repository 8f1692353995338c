"""The H.264/AAC encoder: PyAV's libx264 and AAC, in process, fed the I420 frames we draw.

Chosen by measurement over piping raw frames to the imageio-ffmpeg binary. Both carry the same
x264 (core 165) and wrote byte-for-byte the same size of file from the same 150 1080p Ken Burns
frames, but in process took 4.8-5.1 CPU-seconds against 5.8-6.2 through the pipe: there is no
3 MB-per-frame copy through a pipe, nor a second process demuxing raw video. Feeding I420 rather
than RGB spares the colour conversion (300 static 1080p frames: 3.8 s as yuv420p against 5.8 s
as rgb24 through x264 veryfast).

Using both cores. PyAV opens libx264 with *slice* threads by default (`thread_type` SLICE), so
`encode()` returned only once frame n was fully compressed: drawing and encoding took turns, and
a 30-s 1080p render kept 1.05 cores busy (31.9 s wall for 34.3 s CPU). Two changes overlap them:
x264 runs *frame* threads (3 on 2 cores, plus its lookahead thread), so a frame is handed over
and compressed while later ones arrive; and the hand-over itself (x264's frame set-up, the
muxer) runs on an encoder thread fed through a small bounded queue, so the drawing thread only
queues the frame and goes on. PyAV releases the GIL inside `avcodec_send_frame`, and
OpenCV/numpy release it while drawing, so the two threads really run side by side. The sound is
mixed and AAC-encoded on a third (`sound_encoder.py`); the encoder thread muxes its packets.

Frames come from a pool of reused PyAV frames, and the frame loop draws straight into them
(`frame()` then `submit()`; `write()` copies a caller's own buffer in): `VideoFrame.from_ndarray`
allocates fresh memory each time and took 2.8 ms per 1080p frame (page faults mostly) against
0.12 ms for a copy into a frame already touched, and drawing in place spares even that copy. libavcodec hands the frame to x264, which copies it into its own
picture before `encode()` returns, so the frame is free again as soon as `encode()` is. The pool
holds POOL frames (3 MB each at 1080p) and x264 keeps a few more in flight (its frame threads
and lookahead), so memory stays bounded: peak RSS of the 30-s bench render went from 440 to
about 535-560 MB (since photos are decoded at JPEG 1/2^k scale, see `pictures.DRAFT_SLACK`,
about 460 MB). Quality is unchanged: on the bench's 10-s clip the decoded frames measure
46.04 dB PSNR against the drawn ones with slice threads and 46.06 dB with frame threads, in a
file 1 % smaller (4.24 against 4.28 MB; 8.3 against 8.4 MB for the 30-s clip).

Cancelling stays immediate: the drawing thread stops feeding, the encoder thread drops what is
queued, and the file is closed without flushing.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
import time
from concurrent.futures import Future
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from .errors import RenderCancelled, RenderError
from .pictures import Planes
from .sound_encoder import Sound, SoundEncoder

PRESET = "veryfast"
CRF = 20
# veryfast with the cheapest motion search: on our Ken Burns frames it cut x264's CPU time by a
# third (5.4 s against 8.6 s for 300 1080p frames) at the same PSNR (47.0 dB against 47.0) and
# a 9 % larger file. x264 is most of a render's cost on 2 cores. partitions=none (no i8x8/i4x4
# intra or sub-8x8 splits) then took 17 % off x264's CPU again at -0.1..0.2 dB PSNR against
# the drawn frames and the same file size (300 frames of the bench clip: 6.1-6.4 against
# 7.5 CPU-s, 46.67 against 46.78 dB, 2.86 against 2.90 MB).
X264_PARAMS = "me=dia:subme=1:partitions=none"
THREADS = 0  # x264 frame threads; 0 is x264's own choice, 1.5 per core (3 here)
AUDIO_RATE = 48000
# FFmpeg's AAC at the rate most streaming services deliver with 1080p, with its default
# quantiser search ("twoloop"). Measured on 30 s of the bench's music beds (calm, upbeat; one
# thread, 3 rounds): twoloop at 128 kb/s 0.49-0.56 CPU-s at 128/131 kb/s; the "fast" coder the
# renderer used before, asked for 160 kb/s, 0.76-1.12 CPU-s and it delivered 88 kb/s on the calm
# bed (it undershoots on tonal music): more CPU for fewer bits and the lesser search.
AUDIO_BITRATE = 128_000
AUDIO_CODER = "twoloop"
QUEUE = 4  # frames waiting for the encoder thread: enough to ride out a slow frame, 12 MB at 1080p
POOL = QUEUE + 2  # and one being drawn into (`frame`), one being encoded
_WAIT = 0.1  # seconds between looks at the cancel flag while the queue is full
_DONE = object()  # the end of the frames


class Encoder:
    """One MP4 being written: `write()` one I420 frame at a time, then `finish()`."""

    def __init__(self, path: Path, width: int, height: int, fps: int,
                 sound: np.ndarray | Sound | Future[Any] | None,
                 cancel: threading.Event | None, *, preset: str = PRESET, crf: int = CRF,
                 audio_rate: int = AUDIO_RATE, audio_bitrate: int = AUDIO_BITRATE,
                 audio_coder: str = AUDIO_CODER) -> None:
        import av

        self._cancel = cancel
        self.width, self.height, self.fps = width, height, fps
        try:
            self.container: Any = av.open(str(path), mode="w", format="mp4",
                                          options={"movflags": "+faststart"})
        except (av.FFmpegError, OSError) as exc:
            raise RenderError(f"the video file cannot be created ({exc})") from None
        try:
            v = self.container.add_stream("libx264", rate=fps)
            v.width, v.height, v.pix_fmt = width, height, "yuv420p"
            v.time_base = Fraction(1, fps)
            v.options = {"preset": preset, "crf": str(crf), "x264-params": X264_PARAMS}
            cc = v.codec_context
            cc.thread_type = "FRAME"  # not PyAV's default SLICE: see the module docstring
            cc.thread_count = THREADS
            # the frames are BT.601 limited range (OpenCV's RGB->I420); say so, so players agree
            cc.colorspace, cc.color_range, cc.color_primaries, cc.color_trc = 6, 1, 1, 1
            self.video = v
            self.audio: Any = None
            if sound is not None:
                a = self.container.add_stream("aac", rate=audio_rate)
                a.layout = "stereo"
                a.bit_rate = audio_bitrate
                a.options = {"aac_coder": audio_coder}  # see AUDIO_BITRATE
                self.audio = a
            # open both codecs and write the header now, on this thread: the sound is encoded on
            # a thread of its own, and PyAV opens a codec on first use, so two threads must not
            # get there at once (the muxer's first packet opens every stream's codec)
            self.container.start_encoding()
        except (av.FFmpegError, ValueError) as exc:
            self.container.close()
            raise RenderError(f"the video encoder could not start ({exc})") from None
        self._queued = 0  # frames handed to write() so far (the next frame's pts)
        self._filling: tuple[Any, list[np.ndarray]] | None = None  # handed out by frame()
        self._frames = 0  # frames the encoder thread has compressed
        self._free: queue.Queue[Any] = queue.Queue()  # pool frames ready to be filled
        for _ in range(POOL):
            self._free.put(self._blank())
        self._queue: queue.Queue[Any] = queue.Queue()  # filled frames in order (bounded by the pool)
        self._failed: BaseException | None = None
        self._stop = threading.Event()  # abandon: the encoder thread drops what is queued
        # the sound is mixed and compressed on a thread of its own (sound_encoder.py); `sound`
        # may be a Future: the mix is still being prepared on another thread (see render_draft)
        self._sound = None if sound is None else SoundEncoder(self.audio, sound, self._cancelled)
        self._thread = threading.Thread(target=self._run, name="render-encoder", daemon=True)
        self._thread.start()

    def _blank(self) -> tuple[Any, list[np.ndarray]]:
        """A pool frame and writable (rows, width) views of its three planes."""
        import av

        frame = av.VideoFrame(self.width, self.height, "yuv420p")
        views = [np.frombuffer(memoryview(p), np.uint8).reshape(p.height, p.line_size)[:, : p.width]
                 for p in frame.planes]
        return frame, views

    def _check(self) -> None:
        if self._cancel is not None and self._cancel.is_set():
            raise RenderCancelled()
        if self._failed is not None:
            raise self._failed

    def _mux(self, packets: Any) -> None:
        for packet in packets:
            self.container.mux(packet)

    def _cancelled(self) -> bool:
        return self._stop.is_set() or (self._cancel is not None and self._cancel.is_set())

    def _run(self) -> None:
        """The encoder thread: compress and mux queued frames in order until told to stop."""
        import av

        while True:
            item = self._queue.get()
            if item is _DONE or self._stop.is_set():
                return
            try:
                self._mux(self.video.encode(item[0]))
                self._free.put(item)  # x264 has copied the picture: the frame can be refilled
                self._frames += 1
                if self._sound is not None:  # whatever sound is ready; the muxer interleaves it
                    self._mux(self._sound.ready())
            except RenderError as exc:  # the mix's own failure (a damaged song, say)
                self._failed = exc
            except (av.FFmpegError, ValueError, OSError) as exc:
                self._failed = RenderError(f"the video encoder failed ({exc})")
            except Exception as exc:  # a bug: report it to the drawing thread, never hang it
                self._failed = exc
            if self._failed is not None:
                self._stop.set()
                return

    def _take(self) -> tuple[Any, list[np.ndarray]]:
        """A free pool frame; waits while all are queued or encoding, still heeding cancel."""
        while True:
            self._check()
            if not self._thread.is_alive():
                raise RenderError("the video encoder stopped unexpectedly")
            try:
                return self._free.get(timeout=_WAIT)
            except queue.Empty:
                continue

    def frame(self) -> Planes:
        """A free frame of the encoder's own to draw the next picture into; `submit()` queues it.

        Drawing straight into it spares a 3-MB copy per 1080p frame (0.35 CPU-s of the bench's
        30-s render). Its rows may be padded (PyAV aligns line sizes), so it has no `buf`."""
        if self._filling is None:
            self._filling = self._take()
        _, (y, u, v) = self._filling
        return Planes(None, y, u, v)

    def submit(self) -> None:
        """Queue the frame handed out by `frame()` (as drawn) for encoding, in order."""
        item, self._filling = self._filling, None
        if item is None:
            raise RenderError("the video encoder was given no frame to encode")
        item[0].pts = self._queued
        self._queue.put(item)
        self._queued += 1

    def write(self, buf: np.ndarray) -> None:
        """Queue one frame (an I420 buffer of width*height*3/2 bytes); `buf` may be reused."""
        n = self.width * self.height
        q = n // 4
        if buf.size != n + 2 * q:
            raise RenderError(f"the video encoder was given a frame of the wrong size ({buf.size} bytes)")
        self.frame().copy_from(Planes.wrap(buf, self.width, self.height))
        self.submit()

    def finish(self) -> None:
        """Wait for the queued frames, flush the encoders and write the index (at the front)."""
        import av

        self._check()
        self._queue.put(_DONE)
        while self._thread.is_alive():
            self._check()
            self._thread.join(_WAIT)
        self._check()
        try:
            self._mux(self.video.encode(None))
            if self._sound is not None:
                self._mux(self._sound.rest(self._check))
            self.container.close()
        except (av.FFmpegError, ValueError, OSError) as exc:
            raise RenderError(f"the video could not be finished ({exc})") from None

    def close(self) -> None:
        """Abandon (on error or cancel): stop the thread, close without flushing; the caller
        deletes the file."""
        self._stop.set()
        self._queue.put(_DONE)  # wake the thread if it waits on an empty queue
        self._thread.join()
        if self._sound is not None:
            self._sound.close()
        with contextlib.suppress(Exception):
            self.container.close()


def temp_name(out_path: Path) -> Path:
    """A hidden `.part` file beside the final one (same folder, so the rename is atomic)."""
    tag = f"{os.getpid()}-{threading.get_ident()}-{time.monotonic_ns()}"
    return out_path.parent / f".{out_path.name}.{tag}.part"
