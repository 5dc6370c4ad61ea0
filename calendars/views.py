"""Calendar pages: the host's connections and subscriptions (dashboard), the OAuth callbacks
and the providers' push notification endpoints.

Every dashboard lookup is scoped to request.user and 404s otherwise. Views parse, call
calendars.services and render; they never talk to a provider except to start the consent.
"""

from __future__ import annotations

import datetime as dt
import json
import logging

from django.contrib import messages
from django.http import HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.views import host_required
from availability.models import BusyBlock
from calendars import ics, services
from calendars.models import Connection, IcsSubscription, WriteStatus, WrittenEvent
from calendars.providers import get_provider, offered
from calendars.providers.base import ProviderError
from security.ratelimits import rate_limit, rate_limit_exempt

# Google and Microsoft push from few addresses, retry, and are checked by channel token.
PROVIDER_PUSH = "provider push notification: checked by channel token / clientState"

logger = logging.getLogger(__name__)


def _busy_counts(host) -> dict[str, int]:
    """Busy events per block prefix (g12:, m3:, ics4:) in one query."""
    counts: dict[str, int] = {}
    rows = (
        BusyBlock.objects.filter(host=host)
        .exclude(external_id="")
        .values_list("external_id", flat=True)
        .iterator()
    )
    for external_id in rows:
        prefix = external_id.split(":", 1)[0] + ":"
        counts[prefix] = counts.get(prefix, 0) + 1
    return counts


@host_required
@require_GET
def calendars_page(request):
    host = request.user
    connections = list(
        Connection.objects.for_host(host).prefetch_related("calendars").order_by("created_at")
    )
    subscriptions = list(IcsSubscription.objects.filter(host=host))
    counts = _busy_counts(host)
    for connection in connections:
        calendars = list(connection.calendars.all())
        connection.busy_count = sum(counts.get(c.block_prefix, 0) for c in calendars)
        connection.calendar_list = calendars
    for subscription in subscriptions:
        subscription.busy_count = counts.get(subscription.block_prefix, 0)
    unwritten = list(
        WrittenEvent.objects.filter(
            booking__host=host, status=WriteStatus.FAILED, booking__end__gt=timezone.now()
        )
        .select_related("booking__event_type")
        .order_by("booking__start")[:20]
    )
    return render(
        request,
        "calendars/calendars.html",
        {
            "section": "calendars",
            "connections": connections,
            "subscriptions": subscriptions,
            "providers": offered(),
            "unwritten": unwritten,
        },
    )


def _connect(request, provider_name: str):
    try:
        url = services.start_connect(request.user, provider_name, request.session)
    except services.ConnectError as error:
        messages.error(request, str(error))
        return redirect("calendars")
    except ProviderError as error:
        messages.error(request, f"{get_provider(provider_name).label}: {error.message}")
        return redirect("calendars")
    return redirect(url)


@host_required
@require_POST
def connect_google(request):
    return _connect(request, "google")


@host_required
@require_POST
def connect_microsoft(request):
    return _connect(request, "microsoft")


def _callback(request, provider_name: str):
    if not request.user.is_authenticated:
        return render(
            request,
            "calendars/connect_failed.html",
            {"reason": "Please log in and connect your calendar again."},
            status=400,
        )
    params = {key: request.GET.get(key, "")[:4000] for key in request.GET}
    try:
        connection = services.finish_connect(
            request.user, provider_name, params, request.session.session_key
        )
    except services.ConnectError as error:
        return render(request, "calendars/connect_failed.html", {"reason": str(error)}, status=400)
    messages.success(
        request,
        f"Connected {connection.account_email}. Its busy time is being read now; choose "
        "below which calendars count as busy.",
    )
    return redirect("calendars")


@rate_limit("pages-per-ip")
@require_GET
def google_callback(request):
    return _callback(request, "google")


@rate_limit("pages-per-ip")
@require_GET
def microsoft_callback(request):
    return _callback(request, "microsoft")


def _own_connection(request, connection_id: int) -> Connection:
    return get_object_or_404(Connection, pk=connection_id, host=request.user)


@host_required
@require_POST
def choose_calendars(request, connection_id: int):
    connection = _own_connection(request, connection_id)
    own_ids = set(connection.calendars.values_list("pk", flat=True))
    busy_ids = set()
    for raw in request.POST.getlist("busy"):
        if raw.isdigit() and int(raw) in own_ids:
            busy_ids.add(int(raw))
    target = request.POST.get("target", "")
    target_id = int(target) if target.isdigit() and int(target) in own_ids else None
    services.choose_calendars(connection, busy_ids=busy_ids, target_id=target_id)
    messages.success(request, f"Saved the calendars of {connection.account_email}.")
    return redirect("calendars")


@host_required
@require_POST
def sync_now(request, connection_id: int):
    connection = _own_connection(request, connection_id)
    started = timezone.now()
    services.request_sync(connection)
    if not request.htmx:
        messages.success(request, f"Syncing {connection.account_email}.")
        return redirect("calendars")
    return render(
        request,
        "calendars/_sync_status.html",
        {"connection": connection, "since": started.isoformat(), "polling": True},
    )


@host_required
@require_GET
def sync_status(request, connection_id: int):
    """Polled by the Sync now button until the sync it started has finished."""
    connection = _own_connection(request, connection_id)
    try:
        since = dt.datetime.fromisoformat(request.GET.get("since", ""))
        if since.tzinfo is None:
            raise ValueError
    except ValueError:
        since = timezone.now()
    finished = connection.syncing_since is None and any(
        moment is not None and moment >= since
        for moment in (connection.last_synced_at, connection.last_error_at)
    )
    return render(
        request,
        "calendars/_sync_status.html",
        {
            "connection": connection,
            "since": since.isoformat(),
            "polling": not finished and not connection.needs_reconnect,
            "busy_count": services.busy_event_count(connection),
        },
    )


@host_required
@require_POST
def disconnect(request, connection_id: int):
    connection = _own_connection(request, connection_id)
    email = connection.account_email
    services.disconnect(connection)
    messages.success(request, f"Disconnected {email}; its busy time was removed.")
    return redirect("calendars")


@host_required
@require_POST
def add_subscription(request):
    url = request.POST.get("url", "").strip()[:2000]
    name = request.POST.get("name", "").strip()[:120]
    if not url:
        messages.error(request, "Paste the calendar's ICS address.")
        return redirect("calendars")
    try:
        services.add_subscription(request.user, name=name, url=url)
    except ics.IcsError as error:
        messages.error(request, f"That calendar cannot be subscribed to: {error}")
        return redirect("calendars")
    messages.success(request, "Subscribed; its busy time is being read now.")
    return redirect("calendars")


@host_required
@require_POST
def remove_subscription(request, subscription_id: int):
    subscription = get_object_or_404(IcsSubscription, pk=subscription_id, host=request.user)
    services.remove_subscription(subscription)
    messages.success(request, f"Removed {subscription.name}.")
    return redirect("calendars")


# --- push notifications (called by Google and Microsoft, not by people) -----------------------


@rate_limit_exempt(PROVIDER_PUSH)
@csrf_exempt
@require_POST
def google_notify(request):
    """Google push: headers name the channel and carry the token we gave it."""
    channel = request.headers.get("X-Goog-Channel-ID", "")
    token = request.headers.get("X-Goog-Channel-Token", "")
    if not services.notified("google", channel[:200], token[:200]):
        return HttpResponse(status=404)
    return HttpResponse(status=200)


@rate_limit_exempt(PROVIDER_PUSH)
@csrf_exempt
@require_POST
def microsoft_notify(request):
    """Graph: answer the validation handshake, then check clientState of each notification."""
    validation = request.GET.get("validationToken")
    if validation is not None:
        return HttpResponse(validation[:1000], content_type="text/plain")
    try:
        payload = json.loads(request.body or b"{}")
        items = payload.get("value", [])
        if not isinstance(items, list):
            raise ValueError
    except (ValueError, AttributeError):
        return HttpResponseBadRequest("expected a JSON body with value[]")
    for item in items:
        if not isinstance(item, dict):
            continue
        subscription_id = str(item.get("subscriptionId", ""))[:200]
        state = str(item.get("clientState", ""))[:200]
        if not services.notified("microsoft", subscription_id, state):
            logger.info("graph notification with unknown subscription or clientState")
    return HttpResponse(status=202)
