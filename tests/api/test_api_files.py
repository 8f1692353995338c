"""Upload checks (nothing sent for a refused file), HEIC conversion, downloads that never lie."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from agent.api import DownloadError, LocalFileError, NemoClient
from agent.api.names import name_from_url, safe_name, unique_target


def _private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Point tempfile at a folder of this test, to see what the conversion leaves behind."""
    import tempfile

    folder = tmp_path / "tmp"
    folder.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


async def _session(fake_api: Any, tmp_path: Path, **kw: Any) -> NemoClient:
    client = NemoClient(fake_api.config(tmp_path, **kw))
    await client.create_session()
    return client


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda d: d / "nope.png", "missing"),
        (lambda d: (d / "folder.png").mkdir() or d / "folder.png", "not_a_file"),
        (lambda d: (d / "notes.txt").write_text("hi") and d / "notes.txt", "unsupported"),
        (lambda d: (d / "fake.heic").write_bytes(b"not a heic") and d / "fake.heic", "heic_failed"),
    ],
)
async def test_refused_files_raise_before_anything_is_sent(
    fake_api: Any, tmp_path: Path, make_photo: Any, make: Any, reason: str
) -> None:
    good = make_photo("good.png")
    bad = make(tmp_path)
    client = await _session(fake_api, tmp_path)
    async with client:
        with pytest.raises(LocalFileError) as info:
            await client.upload_files([good, bad])
    assert info.value.reason == reason and info.value.path == bad
    assert bad.name in str(info.value)
    assert not fake_api.hits("upload-video")


async def test_too_large_and_unreadable(fake_api: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.mp4"
    with open(big, "wb") as fh:
        fh.truncate(200 * 1024 * 1024 + 1)  # sparse: costs no disk
    locked = tmp_path / "locked.jpg"
    locked.write_bytes(b"\xff\xd8\xff")
    locked.chmod(0)
    client = await _session(fake_api, tmp_path)
    async with client:
        with pytest.raises(LocalFileError) as info:
            await client.upload_files([big])
        assert info.value.reason == "too_large"
        if os.geteuid() != 0:  # root reads anything
            with pytest.raises(LocalFileError) as info2:
                await client.upload_files([locked])
            assert info2.value.reason == "unreadable"
    assert not fake_api.hits("upload-video")


async def test_heic_is_converted_to_png_and_the_original_untouched(
    fake_api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = _private_tmp(tmp_path, monkeypatch)
    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    heic = tmp_path / "IMG_0001.HEIC"
    Image.new("RGB", (64, 48), (200, 30, 30)).save(heic, format="HEIF")
    before = heic.read_bytes()
    mtime = heic.stat().st_mtime_ns
    client = await _session(fake_api, tmp_path)
    async with client:
        files = await client.upload_files([heic])
    assert files[0].filename == "IMG_0001.png"
    assert fake_api.uploads[0]["content_type"] == "image/png"
    assert heic.read_bytes() == before and heic.stat().st_mtime_ns == mtime
    assert {p.name for p in tmp_path.iterdir()} == {heic.name, "nemo-config", "tmp"}
    assert [n.kind for n in client.notices] == ["heic_converted"]
    assert list(private_tmp.iterdir()) == []  # the converted PNG is gone


def test_safe_names() -> None:
    assert safe_name("../../etc/passwd") == "passwd.mp4"
    assert (
        safe_name("..") == "video.mp4"
        and safe_name("") == "video.mp4"
        and safe_name("/") == "video.mp4"
    )
    assert safe_name(".hidden.mp4") == "hidden.mp4"
    assert safe_name("a\\b\\c.mov") == "c.mov"
    assert safe_name("bad\x00name?.mp4") == "bad_name_.mp4"
    assert len(safe_name("x" * 500 + ".mp4").encode()) <= 205
    assert name_from_url("https://cdn.example/render-result/render_1.mp4?sig=abc") == "render_1.mp4"
    assert name_from_url("https://cdn.example/a/%2E%2E%2Fsecret") == "secret.mp4"
    assert name_from_url("https://cdn.example/") == "video.mp4"


def test_unique_target_never_reuses_a_name(tmp_path: Path) -> None:
    (tmp_path / "clip.mp4").write_text("mine")
    (tmp_path / "clip-1.mp4.part").write_text("someone's partial")
    assert unique_target(tmp_path, "clip.mp4").name == "clip-2.mp4"


async def test_download_writes_part_then_renames_without_overwriting(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.download_body = os.urandom(300_000)
    dest = tmp_path / "out"
    dest.mkdir()
    (dest / "render_1.mp4").write_bytes(b"the person's own file")
    progress: list[tuple[int, int | None]] = []
    client = NemoClient(fake_api.config(tmp_path))
    async with client:
        result = await client.download(
            f"{fake_api.url}/files/render_1.mp4",
            dest,
            on_progress=lambda d, t: progress.append((d, t)),
        )
    assert result.path == dest / "render_1-1.mp4" and result.size == 300_000
    assert result.path.read_bytes() == fake_api.download_body
    assert (dest / "render_1.mp4").read_bytes() == b"the person's own file"
    assert progress[-1] == (300_000, 300_000)
    assert not list(dest.glob("*.part"))


async def test_download_resumes_with_range_after_a_break(fake_api: Any, tmp_path: Path) -> None:
    fake_api.download_body = os.urandom(400_000)
    fake_api.download_die_after = [200_000]
    async with NemoClient(fake_api.config(tmp_path)) as client:
        result = await client.download(f"{fake_api.url}/files/clip.mp4", tmp_path)
    assert result.path.read_bytes() == fake_api.download_body and result.resumed == 1
    second = fake_api.hits("/files/clip.mp4")[1]
    assert second.headers["range"].startswith("bytes=") and int(second.headers["range"][6:-1]) > 0
    assert second.headers["if-range"] == '"v1"'
    assert "download_resumed" in [n.kind for n in client.notices]


async def test_download_restarts_when_the_server_ignores_range(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.download_body = os.urandom(400_000)
    fake_api.download_die_after = [100_000]
    fake_api.download_honour_range = False
    async with NemoClient(fake_api.config(tmp_path)) as client:
        result = await client.download(f"{fake_api.url}/files/clip.mp4", tmp_path)
    assert result.path.read_bytes() == fake_api.download_body
    assert "download_restarted" in [n.kind for n in client.notices]


async def test_failed_download_leaves_nothing_behind(fake_api: Any, tmp_path: Path) -> None:
    fake_api.download_body = os.urandom(200_000)
    fake_api.download_die_after = [50_000] * 10
    dest = tmp_path / "out"
    async with NemoClient(fake_api.config(tmp_path, download_resume_attempts=2)) as client:
        with pytest.raises(DownloadError):
            await client.download(f"{fake_api.url}/files/clip.mp4", dest)
        fake_api.download_die_after = []
        fake_api.fail("download", status=404, message="no such file")
        with pytest.raises(DownloadError) as info:
            await client.download(f"{fake_api.url}/files/clip.mp4", dest)
    assert "404" in str(info.value)
    assert list(dest.iterdir()) == []


async def test_download_render_uses_the_api_route_with_the_token(
    fake_api: Any, tmp_path: Path
) -> None:
    fake_api.download_body = b"mp4" * 1000
    async with NemoClient(fake_api.config(tmp_path)) as client:
        result = await client.download_render("render_abc", tmp_path / "out")
    assert result.path.name == "render_abc.mp4" and result.size == 3000
    seen = fake_api.hits("/api/render/proxy/render_abc/download")[-1]
    assert seen.headers["authorization"].startswith("Bearer nmv_usr_")


async def test_token_is_not_sent_to_other_hosts(
    fake_api: Any, serve_app: Any, tmp_path: Path
) -> None:
    cdn = type(fake_api)()
    cdn.url = serve_app(cdn.app()).url
    cdn.download_body = b"x" * 5000
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.connect()
        result = await client.download(f"{cdn.url}/files/out.mp4?X-Signature=abc", tmp_path)
    assert result.size == 5000
    assert "authorization" not in cdn.hits("/files/out.mp4")[0].headers


async def test_download_render_renews_an_expired_token(fake_api: Any, tmp_path: Path) -> None:
    fake_api.download_body = b"v" * 2048
    async with NemoClient(fake_api.config(tmp_path)) as client:
        await client.connect()
        fake_api.valid_tokens.clear()
        result = await client.download_render("render_x", tmp_path / "out")
    assert result.size == 2048 and len(fake_api.tokens_issued) == 2
    assert [n.kind for n in client.notices] == ["reauthenticated"]


async def test_the_upload_body_streams_in_small_pieces(tmp_path: Path) -> None:
    from agent.api.uploads import CHUNK, MultipartBody, prepare_file

    big = tmp_path / "long.mp4"
    with open(big, "wb") as fh:
        fh.truncate(20 * 1024 * 1024)  # sparse
    body = MultipartBody([prepare_file(big)])
    sizes = [len(piece) async for piece in body]
    assert max(sizes) <= CHUNK and sum(sizes) == body.length
    assert body.length > 20 * 1024 * 1024
    again = [len(piece) async for piece in body]  # a second pass (a retry) sends it all again
    assert sum(again) == body.length


async def test_cancelling_a_download_leaves_nothing(fake_api: Any, tmp_path: Path) -> None:
    import asyncio

    fake_api.download_body = os.urandom(2_000_000)
    dest = tmp_path / "out"
    started = asyncio.Event()
    async with NemoClient(fake_api.config(tmp_path)) as client:
        task = asyncio.create_task(
            client.download(
                f"{fake_api.url}/files/clip.mp4", dest, on_progress=lambda d, t: started.set()
            )
        )
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert list(dest.iterdir()) == []


async def test_cancelling_an_upload_cleans_the_converted_photo(
    fake_api: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    private_tmp = _private_tmp(tmp_path, monkeypatch)
    import asyncio

    import pillow_heif
    from PIL import Image

    pillow_heif.register_heif_opener()
    heic = tmp_path / "big.heic"
    Image.new("RGB", (64, 48), (10, 200, 30)).save(heic, format="HEIF")
    filler = tmp_path / "filler.mp4"
    with open(filler, "wb") as fh:
        fh.truncate(150 * 1024 * 1024)
    started = asyncio.Event()
    client = await _session(fake_api, tmp_path)
    async with client:
        task = asyncio.create_task(
            client.upload_files([heic, filler], on_progress=lambda p: started.set())
        )
        await asyncio.wait_for(started.wait(), 5)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    assert list(private_tmp.iterdir()) == []  # the converted PNG is gone
    assert heic.exists() and filler.stat().st_size == 150 * 1024 * 1024


async def test_download_retries_a_busy_server_as_asked(fake_api: Any, tmp_path: Path) -> None:
    fake_api.download_body = b"z" * 4096
    fake_api.fail("download", times=2, status=503, headers={"Retry-After": "0.05"})
    async with NemoClient(fake_api.config(tmp_path)) as client:
        result = await client.download(f"{fake_api.url}/files/clip.mp4", tmp_path / "out")
    assert result.size == 4096 and len(fake_api.hits("/files/clip.mp4")) == 3
    assert [n.kind for n in client.notices] == ["retried", "retried"]
