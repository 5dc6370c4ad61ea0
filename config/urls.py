"""Top-level routes. The public booking pages come last: /<handle>/ matches almost anything."""

from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpResponse
from django.urls import include, path

from accounts import views as account_views
from notifications import views as notification_views
from security.ratelimits import rate_limit

# Reset links are built on BASE_URL, never on the Host header of whoever asked.
_base = urlsplit(settings.BASE_URL)
_reset = rate_limit("password-reset-per-ip", "password-reset-per-email", "pages-per-ip")(
    account_views.PasswordResetView.as_view(
        extra_email_context={"domain": _base.netloc, "protocol": _base.scheme}
    )
)
_public = rate_limit("public-post-per-ip", "pages-per-ip")
_pages = rate_limit("pages-per-ip")

_FAVICON = (Path(__file__).resolve().parents[1] / "static" / "favicon.ico").read_bytes()


def favicon(request):
    """Browsers ask for /favicon.ico whatever the page says: answer it here, 200, no redirect."""
    response = HttpResponse(_FAVICON, content_type="image/x-icon")
    response["Cache-Control"] = "public, max-age=604800"
    return response


urlpatterns = [
    path("favicon.ico", _pages(favicon), name="favicon"),
    path("avatars/<str:handle>/", _pages(account_views.avatar), name="host-avatar"),
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/v1/", include("assistant.api_urls")),
    path("api/v1/", include("bookings.api_urls")),
    path(
        "accounts/login/",
        rate_limit("login-per-ip", "login-failures-per-account", "pages-per-ip")(
            auth_views.LoginView.as_view(redirect_authenticated_user=True)
        ),
        name="login",
    ),
    path("accounts/logout/", _public(auth_views.LogoutView.as_view()), name="logout"),
    path("accounts/signup/", account_views.sign_up, name="sign-up"),
    path("accounts/activate/<str:uidb64>/<str:token>/", account_views.activate, name="activate"),
    path("accounts/password-reset/", _reset, name="password_reset"),
    path(
        "accounts/password-reset/sent/",
        _public(auth_views.PasswordResetDoneView.as_view()),
        name="password_reset_done",
    ),
    path(
        "accounts/password-reset/<uidb64>/<token>/",
        _public(auth_views.PasswordResetConfirmView.as_view()),
        name="password_reset_confirm",
    ),
    path(
        "accounts/password-reset/done/",
        _public(auth_views.PasswordResetCompleteView.as_view()),
        name="password_reset_complete",
    ),
    path("dashboard/payments/", include("payments.dashboard_urls")),
    path("dashboard/", include("config.dashboard_urls")),
    path("payments/", include("payments.urls")),
    path("calendars/", include("calendars.urls")),
    path("feeds/<str:token>.ics", _public(notification_views.calendar_feed), name="calendar-feed"),
    path("", include("security.urls")),
    path("", include("assistant.urls")),
    path("", include("bookings.urls")),
]

handler400 = "bookings.errors.bad_request"
handler404 = "bookings.errors.not_found"
handler500 = "bookings.errors.server_error"
