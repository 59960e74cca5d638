"""A test-only workspace list for tests.scopeapp.Account ("scope-accounts"), registered whenever the test
settings load the app, so the bulk actions, exports and their matrix rows have a list to work on."""

from __future__ import annotations

import django_filters
from django.urls import reverse

from opensales.bulk import actions as bulk
from opensales.workspace.filters import WorkspaceFilterSet
from opensales.workspace.registry import Column, ModelView, register

from .models import Account


class AccountFilter(WorkspaceFilterSet):
    search_fields = ("name",)
    in_pool = django_filters.BooleanFilter(label="in pool")

    class Meta(WorkspaceFilterSet.Meta):
        model = Account
        fields = ["in_pool"]


@register
class AccountView(ModelView):
    model = Account
    key = "scope-accounts"
    show_on_home = False
    namespace, name = "scopeapp", "account"
    filterset_class = AccountFilter
    select_related = ("owner",)
    tags = True
    columns = (
        Column("name", "Name", sort="name", required=True),
        Column("owner", "Owner", value="owner.username", sort="owner__username"),
        Column("in_pool", "In pool", default=False),
        Column("created_at", "Created", sort="created_at", default=False),
    )
    bulk_actions = bulk.BUILT_IN

    @classmethod
    def list_url(cls) -> str:
        return reverse("core:home")
