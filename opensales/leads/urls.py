"""URL names of the leads app (namespace "leads"): the generic lead pages (leads/workspace.py), conversion,
invalidation, the assignment rules and the public web form."""

from django.urls import include, path

from . import views
from .workspace import LeadView

app_name = "leads"
urlpatterns: list = [
    path("", include(LeadView.urls())),
    path("<int:pk>/convert/", views.convert, name="lead_convert"),
    path("<int:pk>/invalidate/", views.invalidate, name="lead_invalidate"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("web-form/", views.web_form, name="web_form"),
    path("web-form/thanks/", views.web_form_thanks, name="web_form_thanks"),
]
