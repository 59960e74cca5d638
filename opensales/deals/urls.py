from django.urls import include, path

from . import views
from .workspace import CompetitorView, OpportunityView

app_name = "deals"
urlpatterns: list = [
    path("board/", views.board, name="board"),
    path("board/<int:pk>/move/", views.board_move, name="board_move"),
    path("funnel.json", views.funnel_data, name="funnel_data"),
    path("pipelines/", views.pipelines, name="pipelines"),
    path("pipelines/<int:pk>/stage/", views.pipeline_stage, name="pipeline_stage"),
    path("pipelines/<int:pk>/reorder/", views.pipeline_reorder, name="pipeline_reorder"),
    path("opportunities/<int:pk>/move/", views.opportunity_move, name="opportunity_move"),
    path("opportunities/<int:pk>/lines/", views.opportunity_lines, name="opportunity_lines"),
    path("opportunities/<int:pk>/competitors/", views.opportunity_competitor, name="opportunity_competitor"),
    path("opportunities/", include(OpportunityView.urls())),
    path("competitors/", include(CompetitorView.urls())),
]
