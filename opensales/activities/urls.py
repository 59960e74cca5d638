from django.urls import include, path

from . import views
from .workspace import FollowUpView

app_name = "activities"
urlpatterns = [
    path("calendar/", views.calendar_page, name="calendar"),
    path("calendar.ics", views.ics_export, name="ics"),
    path("today/", views.today_page, name="today"),
    path("feed/", views.feed_settings, name="feed_settings"),
    path("feed/<str:token>.ics", views.feed, name="feed"),
    path("<int:pk>/reschedule/", views.reschedule, name="reschedule"),
    path("<int:pk>/complete/", views.complete, name="complete"),
    path("<int:pk>/check-in/", views.check_in, name="check_in"),
    path("", include(FollowUpView.urls())),
]
