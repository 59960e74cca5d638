"""URL names of the customers app (namespace "customers", mounted at /customers/): the generic pages of
customers (/customers/, /customers/12/) and contacts (/customers/contacts/), the region picker feed,
the duplicate check, vCards (customers/workspace.py, views.py), and the pool, merge, handover and
grading pages (urls_lifecycle.py)."""

from django.urls import include, path

from . import views
from .workspace import ContactView, CustomerView

app_name = "customers"
urlpatterns: list = [
    path("", include("opensales.customers.urls_lifecycle")),
    path("regions/", views.region_children, name="regions"),
    path("duplicates/", views.duplicates, name="customer_duplicates"),
    path("<int:pk>/ask-to-collaborate/", views.request_collaboration, name="customer_request_collaboration"),
    path(
        "<int:pk>/collaboration-requests/<int:rid>/accept/",
        views.accept_collaboration,
        name="customer_collaboration_accept",
    ),
    path(
        "<int:pk>/collaboration-requests/<int:rid>/decline/",
        views.decline_collaboration,
        name="customer_collaboration_decline",
    ),
    path("contacts/vcard/", views.contacts_vcard, name="contact_vcard_list"),
    path("contacts/<int:pk>/vcard/", views.contact_vcard, name="contact_vcard"),
    path("contacts/<int:pk>/unmask/", views.contact_unmask, name="contact_unmask"),
    path("contacts/", include(ContactView.urls())),
    path("", include(CustomerView.urls())),
]
