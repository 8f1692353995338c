"""Uploads: multipart and URLs, type by content, the size limit, safe names, served files."""

from __future__ import annotations

import httpx


def test_multipart_upload_of_several_files(api, make_photo, make_wav):
    photo = make_photo("beach.png", size=(120, 80))
    wav = make_wav("tune.wav", seconds=1.0)
    r = api.upload(photo, wav)
    assert r.status_code == 200 and r.json()["code"] == 0
    files = r.json()["data"]["files"]
    assert [f["file_type"] for f in files] == ["image", "audio"]
    assert files[0]["filename"] == "beach.png"
    assert (files[0]["width"], files[0]["height"]) == (120, 80)
    assert abs(files[1]["duration"] - 1.0) < 0.05
    served = httpx.get(files[0]["cdn_url"])
    assert served.status_code == 200 and served.content == photo.read_bytes()
    assert served.headers["content-type"] == "image/png"
    infos = api.state()["state"]["video_infos"]
    assert [i["media_id"] for i in infos] == [f["media_id"] for f in files]


def test_type_is_decided_by_content_not_name(api, tmp_path, make_photo):
    fake = tmp_path / "holiday.jpg"
    fake.write_text("this is not a picture at all")
    r = api.upload(fake)
    body = r.json()
    assert body["code"] == 4001
    assert "holiday.jpg" in body["message"] and "png" in body["message"]
    # a real PNG with a misleading extension is accepted (and stored as what it is)
    png = make_photo("x.png")
    r = api.upload(png, names=["notes.txt"])
    assert r.json()["code"] == 0
    assert r.json()["data"]["files"][0]["cdn_url"].endswith(".png")


def test_heic_is_refused_with_the_formats(api, tmp_path):
    heic = tmp_path / "phone.heic"
    heic.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 64)
    body = api.upload(heic).json()
    assert body["code"] == 4001 and "mp4" in body["data"]["formats"]


def test_too_large_is_4002_and_nothing_is_kept(start_backend, new_api, tmp_path, make_photo):
    server = start_backend(max_upload_bytes=50_000)
    api = new_api(server.url)
    big = tmp_path / "big.png"
    big.write_bytes(make_photo("small.png").read_bytes() + b"\x00" * 200_000)
    r = api.upload(big)
    assert r.json()["code"] == 4002
    assert "big.png" in r.json()["message"] and r.json()["data"]["limit"] == 50_000
    data = tmp_path / "data"
    leftovers = [p for p in (data / "uploads").iterdir()] + [p for p in (data / "tmp").iterdir()]
    assert leftovers == []
    assert api.state()["state"]["video_infos"] == []


def test_stored_names_are_sanitized_and_stay_in_the_data_folder(api, local_backend, make_photo):
    photo = make_photo("p.png")
    r = api.upload(photo, names=["../../../etc/evil name\x07.png"])
    entry = r.json()["data"]["files"][0]
    assert "/" not in entry["filename"] and "\x07" not in entry["filename"]
    assert entry["filename"].startswith("evil name") and entry["filename"].endswith(".png")
    uploads = local_backend.settings.data_dir / "uploads"
    stored = list(uploads.iterdir())
    assert len(stored) == 1 and "_evil_name" in stored[0].name
    assert httpx.get(local_backend.url + "/files/uploads/..%2Fbackend.sqlite3").status_code == 404


def test_upload_by_loopback_url(api, make_photo):
    first = api.upload(make_photo("src.png", size=(50, 40))).json()["data"]["files"][0]
    r = api.post(f"/api/upload-video/nemo_agent/me/{api.session_id}",
                 json={"urls": [first["cdn_url"]], "source_type": "url"})
    assert r.json()["code"] == 0, r.text
    again = r.json()["data"]["files"][0]
    assert again["file_type"] == "image" and (again["width"], again["height"]) == (50, 40)
    assert again["hash"] == first["hash"]


def test_upload_by_remote_url_is_a_clear_error(api):
    r = api.post(f"/api/upload-video/nemo_agent/me/{api.session_id}",
                 json={"urls": ["https://example.com/a.jpg"], "source_type": "url"})
    body = r.json()
    assert body["code"] not in (0, 4001, 4002)
    assert "offline" in body["message"] and "upload" in body["message"]


def test_upload_to_unknown_session_is_1002(api, make_photo):
    api.session_id = "999"
    assert api.upload(make_photo()).json()["code"] == 1002


def test_upload_with_bad_token_is_1001(api, make_photo):
    api.token = "nmv_usr_bad"
    assert api.upload(make_photo()).json()["code"] == 1001


def test_chinese_file_names_are_kept_for_display(api, make_photo):
    entry = api.upload(make_photo("p.png"), names=["海边 照片.png"]).json()["data"]["files"][0]
    assert entry["filename"] == "海边 照片.png"
    assert httpx.get(entry["cdn_url"]).status_code == 200


def test_an_uploaded_photo_is_examined_before_any_render_asks(api, local_backend, tmp_path):
    """The subject of a new photo is found as it arrives (backend/analysis.py) and kept in the
    data folder, where the render process looks first: the first preview skips the detector."""
    import json
    import time

    import pytest
    from PIL import Image

    skimage_data = pytest.importorskip("skimage.data")
    portrait = tmp_path / "me.jpg"
    Image.fromarray(skimage_data.astronaut()).crop((96, 0, 480, 512)).resize((900, 1200)).save(
        portrait, quality=90)
    assert api.upload(portrait).json()["code"] == 0
    folder = local_backend.settings.data_dir / "analysis"
    deadline = time.monotonic() + 20
    while not list(folder.glob("*.json")) and time.monotonic() < deadline:
        time.sleep(0.05)
    found = [json.loads(p.read_text()) for p in folder.glob("*.json")]
    assert len(found) == 1 and found[0]["kind"] == "face"
    x0, y0, x1, _y1 = found[0]["box"]
    assert y0 < 0.2 and 0.2 < (x0 + x1) / 2 < 0.8  # the astronaut's head, near the top
    # what the render child finds for the same bytes is that stored result
    from backend.render.subject import clear_cache, find_subject

    clear_cache()
    stored = find_subject(Image.new("RGB", (64, 64)), portrait, folder=folder)  # no face in it
    assert stored is not None and stored.kind == "face"
