"""URL names (namespace "recyclebin"), mounted at /recycle-bin/."""

from django.urls import path

from . import views

app_name = "recyclebin"
urlpatterns = [
    path("", views.recycle_bin, name="list"),
    path("<str:label>/<int:pk>/restore/", views.restore, name="restore"),
    path("<str:label>/<int:pk>/purge/", views.purge, name="purge"),
]
