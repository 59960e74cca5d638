from django.urls import path

from . import views

app_name = "bulk"
urlpatterns = [
    path("jobs/", views.job_list, name="job_list"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/download/", views.download, name="download"),
    path("<slug:key>/", views.run, name="run"),
    path("<slug:key>/export/", views.export, name="export"),
]
