"""Routes shared by every workspace list: saved views and the record pickers (namespace "workspace")."""

from django.urls import path

from . import pages

app_name = "workspace"
urlpatterns = [
    path("<slug:key>/views/", pages.view_save, name="view_save"),
    path("<slug:key>/views/<int:pk>/delete/", pages.view_delete, name="view_delete"),
    path("<slug:key>/views/<int:pk>/default/", pages.view_default, name="view_default"),
    path("<slug:key>/pick/", pages.picker, name="picker"),
    path("pick/users/", pages.user_picker, name="user_picker"),
    path("pick/tags/", pages.tag_picker, name="tag_picker"),
]
