"""URL names (namespace "attachments"), mounted at /files/; `<label>` is a scoped model's label."""

from django.urls import path

from . import views

app_name = "attachments"
urlpatterns = [
    path("<str:label>/<int:pk>/upload/", views.upload, name="upload"),
    path("<int:pk>/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
]
