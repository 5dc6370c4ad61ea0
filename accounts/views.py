"""Sign-up, activation, onboarding and settings for hosts."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from accounts import api_tokens, services
from accounts.avatars import AvatarError, remove_avatar, set_avatar
from accounts.forms import HostPasswordResetForm, ProfileForm, SettingsForm, SignUpForm
from accounts.models import User, handle_is
from bookings.links import absolute_url
from notifications.models import CalendarFeed
from security.captcha import outage_refusal
from security.ratelimits import rate_limit


def host_required(view):
    """Logged in and onboarded: every dashboard page but onboarding itself."""

    @login_required
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if services.needs_onboarding(request.user):
            return redirect("onboarding")
        return view(request, *args, **kwargs)

    return wrapped


@rate_limit("signup-per-ip", "signup-per-email", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def sign_up(request):
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if refusal := outage_refusal(request, form):
            return refusal
        services.sign_up(form.cleaned_data["email"])
        return render(request, "accounts/sign_up_sent.html", {"email": form.cleaned_data["email"]})
    return render(request, "accounts/sign_up.html", {"form": form})


@rate_limit("public-post-per-ip", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def activate(request, uidb64: str, token: str):
    user = services.user_for_activation(uidb64, token)
    if user is None:
        return render(request, "accounts/activation_invalid.html", status=400)
    form = SetPasswordForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        services.activate(user, form.cleaned_data["new_password1"])
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect("onboarding")
    return render(request, "accounts/activate.html", {"form": form, "email": user.email})


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset view with the captcha form; an hCaptcha outage falls under its limit."""

    form_class = HostPasswordResetForm

    def form_valid(self, form):
        return outage_refusal(self.request, form) or super().form_valid(form)


@login_required
@require_http_methods(["GET", "POST"])
def onboarding(request):
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        services.give_starter_setup(request.user)
        messages.success(
            request,
            "You're set up: Monday to Friday 09:00–17:00 and a 30-minute meeting. "
            "Change them any time.",
        )
        return redirect("dashboard")
    return render(request, "accounts/onboarding.html", {"form": form})


@host_required
@require_http_methods(["GET", "POST"])
def settings_page(request):
    feed = CalendarFeed.objects.filter(host=request.user).first()
    if request.method == "POST" and request.POST.get("feed") in ("create", "rotate"):
        if feed is None:
            feed = CalendarFeed.objects.create(host=request.user)
        else:
            feed.rotate()
        messages.success(request, "Your calendar feed has a new URL; the old one no longer works.")
        return redirect("settings")
    if request.method == "POST" and request.POST.get("avatar") == "remove":
        remove_avatar(request.user)
        messages.success(request, "Picture removed.")
        return redirect("settings")
    form = SettingsForm(request.POST or None, request.FILES or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        picture = form.cleaned_data.get("picture")
        try:
            if picture:
                set_avatar(request.user, picture)
        except AvatarError as error:
            form.add_error("picture", error.message)
        else:
            form.save()
            messages.success(request, "Settings saved.")
            return redirect("settings")
    feed_url = absolute_url(reverse("calendar-feed", args=[feed.token])) if feed else None
    # A refused form has already written its bad values onto request.user: show the saved host.
    profile = User.objects.get(pk=request.user.pk)
    context = {
        "form": form,
        "feed_url": feed_url,
        "profile": profile,
        "api_tokens": request.user.api_tokens.all(),
        # Shown on this one page view after it was made, then never again.
        "new_api_token": request.session.pop(NEW_TOKEN_SESSION_KEY, None),
    }
    return render(request, "accounts/settings.html", context)


NEW_TOKEN_SESSION_KEY = "new_api_token"


@host_required
@require_POST
def api_token_create(request):
    name = request.POST.get("name", "").replace("\x00", "")
    token, raw = api_tokens.issue_api_token(request.user, name)
    request.session[NEW_TOKEN_SESSION_KEY] = {"name": token.name, "token": raw}
    return redirect(reverse("settings") + "#api-tokens")


@host_required
@require_POST
def api_token_revoke(request, token_id: int):
    if not request.user.api_tokens.filter(pk=token_id).exists():
        raise Http404("No such token.")
    if api_tokens.revoke_api_token(request.user, token_id):
        messages.success(request, "Token revoked: it no longer works.")
    return redirect(reverse("settings") + "#api-tokens")


def avatar(request, handle: str):
    """A host's picture, read through the storage API (whatever backend holds it)."""
    host = get_object_or_404(User, handle_is(handle), is_active=True)
    if not host.avatar:
        raise Http404
    try:
        picture = default_storage.open(host.avatar, "rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(picture, content_type="image/jpeg")
    # The URL carries part of the file name (?v=), so a new picture is a new URL.
    response["Cache-Control"] = "public, max-age=86400"
    return response
