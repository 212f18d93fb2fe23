from django.urls import path

from subsidies.policies import views as policy_views

urlpatterns = [
    path("policies/", policy_views.PolicyListView.as_view(), name="policy_list"),
    path("policies/<int:pk>/", policy_views.PolicyDetailView.as_view(), name="policy_detail"),
]
