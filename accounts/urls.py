from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("history/<str:label>/<int:pk>/", views.history_object, name="history_object"),
]
