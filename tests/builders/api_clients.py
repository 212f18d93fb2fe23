"""API tokens for users, and Django test clients that send them (the REST API's tests)."""

from __future__ import annotations

import contextlib
import json

from django.test import Client

from accounts.tokens import api_token_create, api_token_revoke


def token_for(user, name: str = "测试系统") -> str:
    """A new API token of `user`: its value (shown once)."""
    return api_token_create(user=user, name=name)[1]


def revoked_token_for(user) -> str:
    token, raw = api_token_create(user=user, name="已吊销")
    api_token_revoke(user=user, token_id=token.pk)
    return raw


class ApiClient:
    """A Django test client sending `Authorization: Bearer <token>` (no token: anonymous)."""

    def __init__(self, token: str | None = None, *, around=contextlib.nullcontext):
        """`around()`: a context each request runs in (pytest-django's `django_capture_on_commit_callbacks(
        execute=True)`, so the tasks a request queues on commit run inside a test's transaction)."""
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.around = around

    def get(self, path: str, params: dict | None = None, **extra):
        with self.around():
            return self.client.get(path, params or {}, headers={**self.headers, **extra.pop("headers", {})}, **extra)

    def post(self, path: str, data=None, *, json_body: bool = True, **extra):
        headers = {**self.headers, **extra.pop("headers", {})}
        with self.around():
            if json_body:
                body = json.dumps(data if data is not None else {})
                return self.client.post(path, body, content_type="application/json", headers=headers, **extra)
            return self.client.post(path, data or {}, headers=headers, **extra)
