"""URL names of the customers app (namespace "customers"): the generic pages of customers and contacts
(customers/workspace.py) and the pool, merge, handover and grading pages (urls_lifecycle.py)."""

from django.urls import include, path

app_name = "customers"
urlpatterns: list = [
    path("", include("opensales.customers.urls_lifecycle")),
]
