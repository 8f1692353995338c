"""Identity and sessions, as a client meets them over real HTTP."""

from __future__ import annotations

import uuid

import httpx


def test_anonymous_token_gives_100_credits_for_7_days(local_backend):
    r = httpx.post(local_backend.url + "/api/auth/anonymous-token",
                   headers={"X-Client-Id": str(uuid.uuid4())})
    assert r.status_code == 200
    data = r.json()["data"]
    assert r.json()["code"] == 0
    assert data["token"].startswith("nmv_usr_") and len(data["token"]) > 30
    assert data["credits"] == 100
    assert data["user_id"].startswith("anon_")
    assert data["expires_in"] == 7 * 86400


def test_missing_client_id_is_http_400(local_backend):
    r = httpx.post(local_backend.url + "/api/auth/anonymous-token")
    assert r.status_code == 400
    assert "X-Client-Id" in r.json()["message"]


def test_second_token_for_same_client_id_is_429_with_retry_after(local_backend):
    headers = {"X-Client-Id": "same-client"}
    first = httpx.post(local_backend.url + "/api/auth/anonymous-token", headers=headers)
    assert first.status_code == 200
    second = httpx.post(local_backend.url + "/api/auth/anonymous-token", headers=headers)
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "30"
    other = httpx.post(local_backend.url + "/api/auth/anonymous-token",
                       headers={"X-Client-Id": "another-client"})
    assert other.status_code == 200


def test_tokens_are_unique_and_random(local_backend):
    tokens = {httpx.post(local_backend.url + "/api/auth/anonymous-token",
                         headers={"X-Client-Id": str(uuid.uuid4())}).json()["data"]["token"]
              for _ in range(5)}
    assert len(tokens) == 5


def test_bad_or_missing_token_is_1001_everywhere(api):
    for headers in ({"Authorization": "Bearer nmv_usr_wrong"}, {"Authorization": ""}, {}):
        h = {k: v for k, v in api.headers.items() if k != "Authorization"} | headers
        r = api.http.get(api.url + "/api/credits/balance/simple", headers=h)
        assert r.json()["code"] == 1001, headers
        r = api.http.get(api.url + f"/api/state/nemo_agent/me/{api.session_id}/latest", headers=h)
        assert r.json()["code"] == 1001


def test_expired_token_is_1001_and_a_new_token_keeps_the_user(api):
    user_before = api.state()["user_id"]
    assert httpx.post(api.url + "/_nemo/tokens/expire", headers=api.hooks).status_code == 200
    assert api.get("/api/credits/balance/simple").json()["code"] == 1001
    # expired, so the same client id may get a new one; same user, same session
    r = httpx.post(api.url + "/api/auth/anonymous-token", headers={"X-Client-Id": api.client_id})
    assert r.status_code == 200
    api.token = r.json()["data"]["token"]
    assert api.state()["user_id"] == user_before


def test_create_session_gives_numeric_string_ids(api):
    r = api.post("/api/tasks/me/with-session/nemo_agent",
                 json={"task_name": "project", "language": "zh-CN"})
    data = r.json()["data"]
    assert isinstance(data["session_id"], str) and data["session_id"].isdigit()
    assert len(data["session_id"]) >= 18
    assert data["task_id"] and data["user_id"].startswith("anon_")


def test_unknown_session_is_1002(api):
    r = api.get("/api/state/nemo_agent/me/123456789/latest")
    assert r.json()["code"] == 1002
    assert "123456789" in r.json()["message"]


def test_another_users_session_is_1002(api, new_api):
    other = new_api(api.url)
    r = other.get(f"/api/state/nemo_agent/me/{api.session_id}/latest")
    assert r.json()["code"] == 1002


def test_credits_and_empty_state(api):
    assert api.credits() == {"available": 100, "frozen": 0, "total": 100}
    data = api.state()
    assert data["session_id"] == api.session_id and data["task_id"]
    state = data["state"]
    assert state["draft"] is None
    assert state["video_infos"] == [] and state["generated_media"] == []
    assert state["canvas_config"] == {"width": 1920, "height": 1080, "aspect": "16:9"}


def test_tokens_per_address_limit_when_configured(start_backend):
    server = start_backend(tokens_per_ip=2)
    codes = [httpx.post(server.url + "/api/auth/anonymous-token",
                        headers={"X-Client-Id": str(uuid.uuid4())}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_offline_chat_settings_let_a_client_id_get_a_new_token(start_backend):
    """`nemo-chat --local` turns the one-token rule off: a person who cleared their config
    folder gets a new token for the same anonymous user, keeping their credits."""
    server = start_backend(one_token_per_client=False)
    headers = {"X-Client-Id": "same-client"}
    first = httpx.post(server.url + "/api/auth/anonymous-token", headers=headers).json()["data"]
    second = httpx.post(server.url + "/api/auth/anonymous-token", headers=headers)
    assert second.status_code == 200
    assert second.json()["data"]["token"] != first["token"]
    assert second.json()["data"]["user_id"] == first["user_id"]
