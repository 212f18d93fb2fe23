"""`Authorization: Bearer yb_…`: the user's API token (accounts/tokens.py) stands for its user on every request."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import AuthenticationFailed

from accounts.tokens import api_token_authenticate

KEYWORDS = (b"bearer", b"token")


class ApiTokenAuthentication(BaseAuthentication):
    """request.user is the token's user (its role and scope as on the pages), request.auth the ApiToken."""

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() not in KEYWORDS:
            return None
        if len(parts) != 2:
            raise AuthenticationFailed(_("Send the token as “Authorization: Bearer <token>”."))
        try:
            raw = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise AuthenticationFailed(_("The API token is invalid or has been revoked.")) from exc
        token = api_token_authenticate(raw)
        if token is None:
            raise AuthenticationFailed(_("The API token is invalid or has been revoked."))
        return token.user, token

    def authenticate_header(self, request) -> str:
        # A 401 (not a 403) for a request without a token, naming the scheme expected.
        return 'Bearer realm="api"'
