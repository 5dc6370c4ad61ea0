"""Request hygiene that every view relies on."""

from __future__ import annotations

from django.shortcuts import render

from bookings.api import error_response


class RejectNullBytesMiddleware:
    """Refuse NUL characters in the path or query string with a 400.

    PostgreSQL cannot store or compare them, so a lookup with one would fail deep in a view;
    no real link or form ever carries one. (Form fields refuse them in their own validation.)
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        query_values = (value for values in request.GET.lists() for value in values[1])
        if "\x00" in request.path or any("\x00" in value for value in query_values):
            if request.path.startswith("/api/"):
                return error_response("The request contains a NUL character.", "INVALID_INPUT")
            return render(request, "400.html", status=400)
        return self.get_response(request)
