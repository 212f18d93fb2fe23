"""Puts the current user's staff profile (or None) and the navigation they may use into every template."""

from accounts.navigation import nav_links


def staff(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"staff": None, "nav_links": []}
    return {"staff": getattr(user, "staff", None), "nav_links": nav_links(user, request.path)}
