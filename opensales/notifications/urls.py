"""URL names (namespace "notifications"); every route is for the signed-in user's own notifications."""

from django.urls import path

from . import views

app_name = "notifications"
urlpatterns = [
    path("", views.center, name="center"),
    path("menu/", views.menu, name="menu"),
    path("count/", views.count, name="count"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
    path("settings/", views.preferences, name="preferences"),
    path("<int:pk>/open/", views.open_notification, name="open"),
    path("<int:pk>/read/", views.mark_read, name="mark_read"),
]
