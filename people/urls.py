"""The person file's pages. Persons are addressed by an opaque key, never by their ID number."""

from django.urls import path

from people.file import views as file_views
from people.search import views as search_views

app_name = "people"

urlpatterns = [
    path("search/", search_views.person_search, name="search"),
    path("households/<int:pk>/", file_views.household_detail, name="household"),
    path("<str:key>/", file_views.person_detail, name="person"),
    path("<str:key>/print/", file_views.person_print, name="person_print"),
]
