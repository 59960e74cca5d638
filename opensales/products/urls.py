from django.urls import include, path

from . import views
from .workspace import ProductView

app_name = "products"
urlpatterns: list = [
    path("categories/", views.categories, name="categories"),
    path("categories/<int:pk>/", views.category_edit, name="category_edit"),
    path("categories/<int:pk>/delete/", views.category_delete, name="category_delete"),
    path("", include(ProductView.urls())),
]
