"""Issue 18.4: the URL upload must reach this machine only, and must not map its ports.

Repros: a loopback URL answering `302 Location: http://169.254.169.254/…` was followed to
that host; a name that resolves elsewhere was trusted by its spelling; and the error text
said "Connection refused" for a closed port but something else for an open one.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@pytest.fixture
def connects(monkeypatch):
    """Every address a socket of this process connects to; only loopback ones really go."""
    seen: list[str] = []
    real = socket.socket.connect

    def connect(self, address):
        host = address[0] if isinstance(address, tuple) else str(address)
        seen.append(host)
        if isinstance(address, tuple) and not ipaddress.ip_address(host.split("%")[0]).is_loopback:
            raise ConnectionRefusedError(111, "not in a test")  # never the real network
        return real(self, address)

    monkeypatch.setattr(socket.socket, "connect", connect)
    return seen


@pytest.fixture
def site(make_photo):
    """A web server on 127.0.0.1 with a photo, redirects and a 404."""
    png = make_photo("served.png", size=(40, 30)).read_bytes()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            routes = {
                "/to-metadata": "http://169.254.169.254/latest/meta-data/",
                "/to-public-name": "http://example.com/photo.png",
                "/via-local": "/to-metadata",
                "/to-local-photo": "/photo.png",
            }
            if self.path in routes:
                self.send_response(302)
                self.send_header("Location", routes[self.path])
                self.end_headers()
            elif self.path == "/photo.png":
                self.send_response(200)
                self.send_header("Content-Length", str(len(png)))
                self.end_headers()
                self.wfile.write(png)
            else:
                self.send_error(404)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _fetch(client, url):
    r = client.post(f"/api/upload-video/nemo_agent/me/{client.session_id}",
                    json={"urls": [url], "source_type": "url"})
    return r.json()


def _not_loopback(seen):
    return [h for h in seen if not ipaddress.ip_address(h.split("%")[0]).is_loopback]


@pytest.mark.parametrize("path", ["/to-metadata", "/to-public-name", "/via-local"])
def test_a_redirect_off_this_machine_is_refused_before_connecting(client, site, connects, path):
    body = _fetch(client, site + path)
    assert body["code"] == 4003 and "offline" in body["message"]
    assert _not_loopback(connects) == []


def test_a_redirect_on_this_machine_is_still_followed(client, site):
    body = _fetch(client, site + "/to-local-photo")
    assert body["code"] == 0, body
    assert body["data"]["files"][0]["width"] == 40


def test_the_address_connected_to_is_checked_not_the_name(client, site, connects, monkeypatch):
    """'localhost' that resolves to another machine (a hosts file, a rebinding DNS)."""
    real = socket.getaddrinfo

    def rebinding(host, *args, **kw):
        if str(host).rstrip(".") == "localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.1.2.3", args[0] or 80))]
        return real(host, *args, **kw)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    body = _fetch(client, site.replace("127.0.0.1", "localhost") + "/photo.png")
    assert body["code"] == 4003
    assert _not_loopback(connects) == []


def test_one_error_text_for_every_refused_or_unreachable_url(backend_at, people, site):
    client = people(backend_at(url_fetch_timeout=1.0).url)
    with socket.socket() as s:  # a port that was free a moment ago: nothing listens
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    mute = socket.socket()  # accepts connections and never answers HTTP
    mute.bind(("127.0.0.1", 0))
    mute.listen()
    try:
        urls = [f"http://127.0.0.1:{closed}/a.png",  # closed port
                f"http://127.0.0.1:{mute.getsockname()[1]}/a.png",  # open, not HTTP
                site + "/missing.png",  # open, HTTP 404
                site + "/to-metadata",  # refused redirect
                "https://example.com/a.png",  # refused host
                "ftp://127.0.0.1/a.png"]  # refused scheme
        texts = set()
        for url in urls:
            body = _fetch(client, url)
            assert body["code"] == 4003, body
            texts.add(body["message"].replace(url, "<url>"))
    finally:
        mute.close()
    assert len(texts) == 1, texts
