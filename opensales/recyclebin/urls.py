app_name = "recyclebin"
urlpatterns: list = []
