"""The assistant's API route, mounted at /api/v1/ beside the booking API."""

from django.urls import path

from assistant import api

urlpatterns = [
    path("<str:handle>/assistant", api.assistant, name="api-assistant"),
]
