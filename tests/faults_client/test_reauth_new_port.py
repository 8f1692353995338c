"""Issue 18: the local backend comes back on another port (same data) and the chat goes on.

Tokens are kept per API address and a backend gives one token per client id. The backend on
its new port had already given this client id a token (kept under the old address), so the
token call was refused (429) and every run failed. A backend on this machine (the root says
so: `client_id_per_address`) now gets a client id of its own per address: one token call at the
new address, then the run goes on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent.api import ApiConfig, NemoClient
from agent.api.auth import is_this_machine


class Calls:
    def __init__(self) -> None:
        self.paths: list[str] = []

    def on_exchange(self, record: Any) -> None:
        self.paths.append(record.path)

    def on_sse_open(self, *args: Any) -> None: ...
    def on_sse_frame(self, *args: Any) -> None: ...
    def on_sse_close(self, *args: Any) -> None: ...


def _config(url: str, config_dir: Path) -> ApiConfig:
    return ApiConfig.from_env(base_url=url, config_dir=config_dir, token=None, client_id=None,
                              retry_base=0.01, retry_cap=0.05, rate_limit_wait=0.05,
                              retry_after_cap=1.0, client_id_per_address=True)


async def test_a_backend_back_on_another_port_gives_a_token_once(
    tmp_path: Path, config_dir: Path
) -> None:
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    settings = BackendSettings.for_tests(tmp_path / "backend-data")
    first = start_local_backend(settings)
    try:
        async with NemoClient(_config(first.url, config_dir)) as client:
            await client.create_session()
    finally:
        first.stop()
    again = start_local_backend(settings)  # the same data, another free port
    try:
        assert again.url != first.url
        calls = Calls()
        async with NemoClient(_config(again.url, config_dir), observer=calls) as client:
            await client.create_session()
            credits = await client.credits()
        assert credits.available > 0
        assert sum("anonymous-token" in p for p in calls.paths) == 1
    finally:
        again.stop()


@pytest.mark.parametrize(
    ("url", "local"),
    [("http://127.0.0.1:8080", True), ("http://localhost:9", True), ("http://[::1]:7", True),
     ("https://mega-api-prod.nemovideo.ai", False), ("http://10.0.0.5:80", False)],
)
def test_only_a_backend_on_this_machine_counts_as_local(url: str, local: bool) -> None:
    assert is_this_machine(url) is local


def test_the_root_asks_an_id_per_address_only_for_this_machine(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from agent.assemble import _api_config

    monkeypatch.setenv("NEMO_API_URL", "http://127.0.0.1:8123")
    assert _api_config(None).client_id_per_address
    monkeypatch.setenv("NEMO_API_URL", "https://mega-api-prod.nemovideo.ai")
    assert not _api_config(None).client_id_per_address


async def test_backends_taking_turns_on_one_address_each_reauthenticate_once(
    tmp_path: Path, config_dir: Path
) -> None:
    """Two local backends (two data folders) served in turn on the same port: each refuses
    the token the other gave (1001); the chat re-authenticates once and goes on, also when
    the backend had already given this client id a token the client no longer has."""
    from backend.local import start_local_backend
    from backend.settings import BackendSettings

    first_data = BackendSettings.for_tests(tmp_path / "one")
    other_data = BackendSettings.for_tests(tmp_path / "two")
    port = 0
    for settings in (first_data, other_data, first_data):
        server = start_local_backend(settings, port=port)
        port = server.port
        try:
            calls = Calls()
            async with NemoClient(_config(server.url, config_dir), observer=calls) as client:
                await client.create_session()
                assert (await client.credits()).available > 0
            assert sum("anonymous-token" in p for p in calls.paths) <= 2
        finally:
            server.stop()
