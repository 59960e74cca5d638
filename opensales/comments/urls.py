"""URL names (namespace "comments"); `<label>` is a scoped model's label such as "org.employee"."""

from django.urls import path

from . import views

app_name = "comments"
urlpatterns = [
    path("<str:label>/<int:pk>/", views.add, name="add"),
    path("<str:label>/<int:pk>/mentions/", views.mention_suggest, name="mention_suggest"),
    path("<int:comment_pk>/edit/", views.edit, name="edit"),
    path("<int:comment_pk>/delete/", views.delete, name="delete"),
]
