"""URL configuration.

``/health/`` is always there (app ``core``).  Every release app listed in
``config/release_apps.txt`` that has a ``urls`` module is mounted under
``/<app label>/`` (e.g. ``/accounts/organizations/``).
"""

import importlib.util

from core import views as core_views
from django.conf import settings
from django.urls import include, path

urlpatterns = [
    path("health/", core_views.health, name="health"),
]

for _app in settings.RELEASE_APPS:
    if importlib.util.find_spec(_app + ".urls") is not None:
        urlpatterns.append(path(_app + "/", include(_app + ".urls")))
