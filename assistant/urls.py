"""The assistant's page, /<handle>/assistant/ (before the event pages, which take any slug)."""

from django.urls import path

from assistant import views

urlpatterns = [
    path("<str:handle>/assistant/", views.chat, name="assistant-chat"),
]
