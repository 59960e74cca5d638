from django.urls import include, path

from opensales.accounts.views import switch_language

urlpatterns = [
    path("", include("opensales.core.urls")),
    path("accounts/", include("opensales.accounts.urls")),
    path("accounts/api-tokens/", include("opensales.api.ui_urls")),
    path("org/", include("opensales.org.urls")),
    path("ops/", include("opensales.ops.urls")),
    path("audit/", include("opensales.audit.urls")),
    path("search/", include("opensales.search.urls")),
    path("notifications/", include("opensales.notifications.urls")),
    path("w/", include("opensales.workspace.urls")),
    path("recycle-bin/", include("opensales.recyclebin.urls")),
    path("comments/", include("opensales.comments.urls")),
    path("files/", include("opensales.attachments.urls")),
    path("bulk/", include("opensales.bulk.urls")),
    path("imports/", include("opensales.imports.urls")),
    path("products/", include("opensales.products.urls")),
    path("customers/", include("opensales.customers.urls")),
    path("deals/", include("opensales.deals.urls")),
    path("leads/", include("opensales.leads.urls")),
    path("activities/", include("opensales.activities.urls")),
    path("api/v1/", include("opensales.api.urls")),
    path("i18n/setlang/", switch_language, name="set_language"),
]

handler403 = "opensales.core.views.permission_denied"
handler404 = "opensales.core.views.page_not_found"
handler500 = "opensales.core.views.server_error"
