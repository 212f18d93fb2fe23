"""Responses that may carry people's data are never kept by a browser or a proxy.

Every page and file the site itself answers (lists of names and ID numbers, exports, notices, the admin) gets
`Cache-Control: no-store, private`: a shared computer in a township office keeps nothing in its cache, and no
proxy between it and the bureau keeps a copy. Static files (served earlier by WhiteNoise) keep their own
long-lived caching; they carry no personal data.
"""

from __future__ import annotations

from django.utils.cache import patch_cache_control


class NoStoreMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response
