from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("organizations/", views.organization_list, name="organization-list"),
    path("organizations/<slug:slug>/", views.organization_detail, name="organization-detail"),
]
