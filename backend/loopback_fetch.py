"""GET a URL on this machine only: every redirect hop checked, the connected address checked.

The local backend works offline, so a URL upload may only fetch from 127.0.0.1 / ::1 /
localhost. Checking the URL's spelling is not enough: urllib followed a `302` from a loopback
server to any host (169.254.169.254 included), and `localhost` is whatever the resolver says.
So redirects are followed here by hand (at most MAX_HOPS, each hop checked like the first),
names are resolved once and every address must be loopback, the socket connects to an address
so checked, and the peer is checked again once connected — before a byte of the request is
sent. Every way to fail raises the same `Refused`, whose text is the same for a refused host,
a closed port, a silent port or a 404, so the route cannot be used to map this machine's ports.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager

MAX_HOPS = 5
_REDIRECTS = (301, 302, 303, 307, 308)


class Refused(Exception):
    """The URL is not on this machine, or could not be fetched (deliberately not which)."""


def _loopback_ip(text: str) -> bool:
    try:
        return ipaddress.ip_address(text.split("%", 1)[0]).is_loopback
    except ValueError:
        return False


def _checked_target(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path) of a URL that may be fetched; else Refused."""
    parts = urllib.parse.urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme not in ("http", "https") or not (
            host in ("localhost", "localhost.") or _loopback_ip(host)):
        raise Refused(url)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise Refused(url) from None
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return parts.scheme, host, port, path


def _connect(host: str, port: int, timeout: float) -> socket.socket:
    """A socket connected to a loopback address of `host` (all of its addresses must be)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError:
        raise Refused(host) from None
    addresses = [info for info in infos if info[4]]
    if not addresses or not all(_loopback_ip(str(info[4][0])) for info in addresses):
        raise Refused(host)
    last: OSError | None = None
    for family, kind, proto, _, address in addresses:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect(address)
            if not _loopback_ip(str(sock.getpeername()[0])):
                raise Refused(host)
            return sock
        except OSError as exc:
            sock.close()
            last = exc
        except Refused:
            sock.close()
            raise
    raise Refused(host) from last


class _Http(http.client.HTTPConnection):
    def connect(self) -> None:
        self.sock = _connect(self.host, self.port, float(self.timeout or 30))


class _Https(http.client.HTTPSConnection):
    def connect(self) -> None:
        sock = _connect(self.host, self.port, float(self.timeout or 30))
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(sock, server_hostname=self.host)


@contextmanager
def open_loopback(url: str, *, timeout: float) -> Iterator[http.client.HTTPResponse]:
    """The 200 response for `url` (redirects followed on this machine only); else Refused."""
    for _ in range(MAX_HOPS + 1):
        scheme, host, port, path = _checked_target(url)
        conn = (_Https if scheme == "https" else _Http)(host, port, timeout=timeout)
        try:
            conn.request("GET", path, headers={"User-Agent": "nemo-local-backend",
                                               "Accept-Encoding": "identity"})
            resp = conn.getresponse()
            if resp.status in _REDIRECTS:
                location = resp.getheader("Location")
                if not location:
                    raise Refused(url)
                url = urllib.parse.urljoin(url, location)
                continue
            if resp.status != 200:
                raise Refused(url)
            yield resp
            return
        except (OSError, http.client.HTTPException, ValueError):
            raise Refused(url) from None
        finally:
            conn.close()
    raise Refused(url)
