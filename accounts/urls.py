from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("history/<str:label>/<int:pk>/", views.history_object, name="history_object"),
    path("api-tokens/", views.api_tokens, name="api_tokens"),
    path("api-tokens/<int:pk>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
