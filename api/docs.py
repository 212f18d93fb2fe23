"""The OpenAPI schema and the Swagger UI page: for signed-in staff (session) or a token; no CDN, no inline code.

Swagger UI's files come from drf-spectacular-sidecar (static files of this site); its start script is served by
the split view as a file of its own and the page's styles from static/api/, so the site's Content Security
Policy (`'self'` only) holds on the docs page too.
"""

from __future__ import annotations

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.authentication import SessionAuthentication

from accounts.access import EVERY_ROLE
from api.authentication import ApiTokenAuthentication
from api.permissions import RolePermission

# The token first: a request with neither gets 401 naming the Bearer scheme.
AUTHENTICATION = [ApiTokenAuthentication, SessionAuthentication]


class SchemaView(SpectacularAPIView):
    allowed_roles = EVERY_ROLE
    authentication_classes = AUTHENTICATION
    permission_classes = [RolePermission]


class DocsView(SpectacularSwaggerSplitView):
    allowed_roles = EVERY_ROLE
    authentication_classes = AUTHENTICATION
    template_name = "api/swagger_ui.html"
    url_name = "api:schema"
    permission_classes = [RolePermission]
    title = "医保资助对账 API"
