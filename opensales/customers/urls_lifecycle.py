"""The pool, merge, handover and grading pages (included by customers/urls.py, namespace "customers")."""

from django.urls import path

from . import views_lifecycle as v

urlpatterns: list = [
    path("pools/", v.pool_list, name="pool_list"),
    path("pools/<int:pk>/", v.pool_detail, name="pool"),
    path("<int:pk>/claim/", v.claim, name="claim"),
    path("<int:pk>/release/", v.release, name="release"),
    path("<int:pk>/lifecycle/", v.set_lifecycle, name="lifecycle"),
    path("handover/", v.handover, name="handover"),
    path("merge/", v.merge, name="merge"),
    path("merges/", v.merges, name="merges"),
    path("merges/<int:pk>/undo/", v.merge_undo, name="merge_undo"),
    path("grading/", v.grading_rules, name="grading"),
    path("grading/run/", v.grade_run, name="grade_run"),
]
