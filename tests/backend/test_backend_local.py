"""The backend's one door for an in-process start: the port it had last time, a fallback."""

from __future__ import annotations

import socket
from pathlib import Path

import httpx

from backend.local import start_in_folder

FAST = {"generation_seconds": 0.05, "heartbeat_interval": 0.05}


def test_a_second_start_gets_the_same_address_so_the_stored_token_stays_valid(
    tmp_path: Path,
) -> None:
    first = start_in_folder(tmp_path / "local", FAST)
    try:
        url = first.url
        assert httpx.get(url + "/_nemo/health", timeout=5).status_code == 200
    finally:
        first.stop()
    assert (tmp_path / "local" / "port").read_text().strip() == str(first.port)
    second = start_in_folder(tmp_path / "local", FAST)
    try:
        assert second.url == url
    finally:
        second.stop()


def test_a_remembered_port_in_use_means_another_free_port(tmp_path: Path) -> None:
    folder = tmp_path / "local"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = busy.getsockname()[1]
        folder.mkdir()
        (folder / "port").write_text(f"{taken}\n")
        server = start_in_folder(folder, FAST)
        try:
            assert server.port != taken and server.host == "127.0.0.1"
        finally:
            server.stop()
    assert (folder / "port").read_text().strip() == str(server.port)
