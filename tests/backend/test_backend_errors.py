"""A bug inside a route gives an envelope, and no traceback reaches the terminal."""

from __future__ import annotations

import httpx


def test_internal_error_is_contained(local_backend, capfd):
    store = local_backend.app.state.backend.store

    def broken(user_id):
        raise ZeroDivisionError("boom")

    store.credits = broken
    r = httpx.post(local_backend.url + "/api/auth/anonymous-token", headers={"X-Client-Id": "c"})
    assert r.status_code == 500
    assert r.json() == {"code": 500, "message": "internal error (ZeroDivisionError)", "data": None}
    out, err = capfd.readouterr()
    assert "Traceback" not in out + err


def test_test_hooks_validate_their_input(local_backend):
    r = httpx.post(local_backend.url + "/_nemo/credits", json={"user": 1},
                   headers=local_backend.hooks)
    assert r.status_code == 400 and "available" in r.json()["message"]
