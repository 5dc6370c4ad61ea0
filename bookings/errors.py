"""Error pages: JSON under /api/, friendly pages everywhere else."""

from __future__ import annotations

from django.shortcuts import render

from bookings.api import error_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def bad_request(request, exception=None):
    if _is_api(request):
        return error_response("The request could not be understood.", "INVALID_INPUT")
    return render(request, "400.html", status=400)


def not_found(request, exception=None):
    if _is_api(request):
        return error_response("Not found.", "NOT_FOUND")
    return render(request, "404.html", status=404)


def server_error(request):
    if _is_api(request):
        response = error_response(
            "Something went wrong on our side. Please try again.", "SERVER_ERROR"
        )
        response.status_code = 500
        return response
    return render(request, "500.html", status=500)
