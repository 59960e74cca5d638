from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.history, name="history"),
    path("<slug:key>/", views.start, name="start"),
    path("<slug:key>/template.xlsx", views.template, name="template"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/progress/", views.job_progress, name="progress"),
    path("jobs/<int:pk>/sheet/", views.sheet, name="sheet"),
    path("jobs/<int:pk>/mapping/", views.mapping, name="mapping"),
    path("jobs/<int:pk>/preview/", views.preview, name="preview"),
    path("jobs/<int:pk>/run/", views.run, name="run"),
    path("jobs/<int:pk>/errors.<str:fmt>", views.error_report, name="errors"),
]
