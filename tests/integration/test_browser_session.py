"""The HTTP steps of a browser session (api/browser_session.py) on real databases:
the hand-off code becomes an HttpOnly cookie, Secure behind https, only once, and
`next` never leaves the site."""

from __future__ import annotations

import uuid

from fastapi.testclient import TestClient

from neurocache_ui.api.app import create_app
from neurocache_ui.services import auth

PASSWORD = "analytical engine 1843"


def _client() -> TestClient:
    return TestClient(create_app(), follow_redirects=False)


def _user() -> auth.CurrentUser:
    return auth.create_user(name="Ada Lovelace", email=f"ada-{uuid.uuid4().hex}@example.com", password=PASSWORD)


def test_a_code_becomes_an_httponly_strict_cookie_once(database: str) -> None:
    user = _user()
    code = auth.start_handoff(user.id)
    with _client() as http:
        response = http.get("/auth/session", params={"code": code, "next": "/channels/general"})
        assert response.status_code == 303 and response.headers["location"] == "/channels/general"
        cookie = response.headers["set-cookie"]
        assert cookie.startswith(f"{auth.SESSION_COOKIE}=")
        assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Secure" not in cookie
        token = response.cookies[auth.SESSION_COOKIE]
        assert auth.user_for_session(token) == user
        again = http.get("/auth/session", params={"code": code})
        assert again.status_code == 303 and again.headers["location"] == "/login"
        assert "set-cookie" not in again.headers


def test_behind_https_the_cookie_is_secure_and_next_stays_on_site(database: str) -> None:
    user = _user()
    with _client() as http:
        response = http.get(
            "/auth/session",
            params={"code": auth.start_handoff(user.id), "next": "//evil.example/phish"},
            headers={"X-Forwarded-Proto": "https"},
        )
    assert response.status_code == 303 and response.headers["location"] == "/channels"
    assert "Secure" in response.headers["set-cookie"]


def test_logging_in_again_ends_the_cookies_previous_session(database: str) -> None:
    user = _user()
    old = auth.start_session(user.id)
    with _client() as http:
        http.cookies.set(auth.SESSION_COOKIE, old)
        response = http.get("/auth/session", params={"code": auth.start_handoff(user.id)})
    assert response.cookies[auth.SESSION_COOKIE] != old
    assert auth.user_for_session(old) is None


def test_logout_endpoint_removes_the_cookie(database: str) -> None:
    with _client() as http:
        response = http.get("/auth/logout")
    assert response.status_code == 303 and response.headers["location"] == "/login"
    cookie = response.headers["set-cookie"]
    assert cookie.startswith(f"{auth.SESSION_COOKIE}=") and "Max-Age=0" in cookie and "HttpOnly" in cookie
