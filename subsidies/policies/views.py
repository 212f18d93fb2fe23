"""Read-only policy pages for every role: the list, and one policy laid out like the notices' tables."""

from django.views.generic import TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from accounts.access import RoleRequiredMixin
from subsidies.policies.filters import PolicyFilter
from subsidies.policies.selectors import policies_visible_to, policy_get_for, policy_page
from subsidies.policies.tables import PolicyTable


class PolicyListView(RoleRequiredMixin, SingleTableMixin, FilterView):
    table_class = PolicyTable
    filterset_class = PolicyFilter
    template_name = "subsidies/policy_list.html"
    paginate_by = 25

    def get_queryset(self):
        return policies_visible_to(self.request.user)


class PolicyDetailView(RoleRequiredMixin, TemplateView):
    template_name = "subsidies/policy_detail.html"

    def get_context_data(self, **kwargs):
        policy = policy_get_for(self.request.user, kwargs["pk"])
        return {**super().get_context_data(**kwargs), **policy_page(policy=policy), "title": str(policy)}
