"""The host dashboard for event types and bookings.

Every lookup is scoped to the logged-in host, so another host's ids are a 404, and every
change goes through bookings.services so its guarantees hold.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from accounts.views import host_required
from analytics.timeline import timeline_for
from bookings import services
from bookings.calendar import VIEWS, build_calendar, working_hours_start
from bookings.export import bookings_csv
from bookings.forms import (
    EventTypeForm,
    HostBookingForm,
    QuestionFormSet,
    ReasonForm,
    RescheduleForm,
    parse_instant,
)
from bookings.locations import LocationKind
from bookings.models import (
    HOLDING_STATUSES,
    Booking,
    BookingStatus,
    CancelledBy,
    EventType,
)
from bookings.picker import build_picker
from calendars.services import google_meet_available
from notifications.models import DeliveryStatus, EmailDelivery

PAGE_SIZE = 20


class HostReasonForm(ReasonForm):
    reason_label = "Reason (the guest sees it)"


def _event_type(request, pk: int) -> EventType:
    return get_object_or_404(EventType.objects.for_host(request.user).select_related("host"), pk=pk)


def host_booking(request, uid) -> Booking:
    return get_object_or_404(
        Booking.objects.for_host(request.user).select_related("event_type__host", "host"), uid=uid
    )


def _public_link(request) -> str:
    return request.build_absolute_uri(reverse("host-page", args=[request.user.handle]))


# --- home -----------------------------------------------------------------------------------


@host_required
def home(request):
    host = request.user
    now = timezone.now()
    mine = Booking.objects.for_host(host).select_related("event_type")
    context = {
        "section": "home",
        "public_link": _public_link(request),
        "pending": mine.filter(status=BookingStatus.PENDING, end__gte=now).order_by("start")[:10],
        "upcoming": mine.filter(status=BookingStatus.CONFIRMED, end__gte=now).order_by("start")[:5],
        "event_types": EventType.objects.for_host(host).active(),
        "has_hours": host.weekly_rules.exists(),
        "failed_emails": EmailDelivery.objects.filter(
            booking__host=host, status=DeliveryStatus.FAILED, booking__end__gte=now
        ).select_related("booking")[:10],
        "zone": host.zone,
    }
    return render(request, "dashboard/home.html", context)


# --- event types ----------------------------------------------------------------------------


@host_required
def event_types(request):
    items = list(EventType.objects.for_host(request.user).order_by("position", "title"))
    # Google Meet types whose links cannot be made (Google disconnected since) say so.
    meet_missing = any(
        item.location_kind == LocationKind.GOOGLE_MEET for item in items
    ) and not google_meet_available(request.user)
    return render(
        request,
        "bookings/host/event_types.html",
        {
            "section": "event_types",
            "event_types": items,
            "public_link": _public_link(request),
            "meet_missing": meet_missing,
        },
    )


@host_required
@require_http_methods(["GET", "POST"])
def event_type_form(request, pk: int | None = None):
    instance = _event_type(request, pk) if pk else None
    form = EventTypeForm(request.POST or None, instance=instance, host=request.user)
    # Questions are edited with the type; a post without the question rows leaves them as is.
    posts_questions = f"{QUESTIONS_PREFIX}-TOTAL_FORMS" in request.POST
    questions = QuestionFormSet(
        request.POST if posts_questions else None,
        instance=instance or EventType(host=request.user),
        prefix=QUESTIONS_PREFIX,
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and (not posts_questions or questions.is_valid())
    ):
        with transaction.atomic():
            saved = form.save()
            if posts_questions:
                questions.instance = saved
                save_questions(questions)
        messages.success(request, f"“{saved.title}” saved.")
        return redirect("event-types")
    context = {
        "section": "event_types",
        "form": form,
        "questions": questions,
        "event_type": instance,
        "groups": {name: [form[field] for field in fields] for name, fields in form.GROUPS.items()},
    }
    invalid = form.errors or (posts_questions and questions.total_error_count())
    return render(
        request, "bookings/host/event_type_form.html", context, status=400 if invalid else 200
    )


QUESTIONS_PREFIX = "questions"


def save_questions(formset) -> None:
    """Save the question rows in the order shown; removed rows are deleted."""
    position = 0
    for row in formset.forms:
        if not row.has_changed() and not row.instance.pk:
            continue
        if formset.can_delete and formset._should_delete_form(row):
            if row.instance.pk:
                row.instance.delete()
            continue
        question = row.save(commit=False)
        question.event_type = formset.instance
        question.position = position
        question.save()
        position += 1


@host_required
@require_POST
def event_type_move(request, pk: int):
    """Up or down one place in the host's order (the order guests see)."""
    event_type = _event_type(request, pk)
    services.move_event_type(event_type, up=request.POST.get("direction") == "up")
    return redirect("event-types")


@host_required
@require_POST
def event_type_order(request):
    """The whole order at once, from dragging in the list: `order` repeated, ids top first."""
    try:
        ordered = [int(value) for value in request.POST.getlist("order")]
    except ValueError:
        ordered = []
    if not ordered or not services.reorder_event_types(request.user, ordered):
        return JsonResponse(
            {
                "error": "That order does not match your event types; reload the page.",
                "code": "stale_order",
                "details": {},
            },
            status=409,
        )
    return JsonResponse({"order": ordered})


@host_required
@require_POST
def event_type_duplicate(request, pk: int):
    copy = services.duplicate_event_type(_event_type(request, pk))
    messages.success(request, f"Made “{copy.title}”.")
    return redirect("event-type-edit", pk=copy.pk)


@host_required
@require_POST
def event_type_toggle(request, pk: int):
    event_type = _event_type(request, pk)
    event_type.is_active = not event_type.is_active
    event_type.save(update_fields=["is_active"])
    state = "is taking bookings again" if event_type.is_active else "no longer takes bookings"
    messages.success(request, f"“{event_type.title}” {state}.")
    return redirect("event-types")


@host_required
@require_http_methods(["GET", "POST"])
def event_type_delete(request, pk: int):
    event_type = _event_type(request, pk)
    if request.method == "POST":
        if services.remove_event_type(event_type):
            messages.success(request, f"“{event_type.title}” deleted.")
        else:
            messages.success(
                request,
                f"“{event_type.title}” has bookings, so it was deactivated instead; "
                "its bookings stay.",
            )
        return redirect("event-types")
    has_bookings = Booking.objects.filter(event_type=event_type).exists()
    context = {"section": "event_types", "event_type": event_type, "has_bookings": has_bookings}
    return render(request, "bookings/host/event_type_delete.html", context)


# --- bookings -------------------------------------------------------------------------------

TABS = {
    "upcoming": ("Upcoming", lambda now: Q(status__in=HOLDING_STATUSES, end__gte=now), "start"),
    "pending": ("Pending", lambda now: Q(status=BookingStatus.PENDING, end__gte=now), "start"),
    "past": (
        "Past",
        lambda now: (
            Q(start__lt=now)
            & Q(
                status__in=[BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
            )
        ),
        "-start",
    ),
    "cancelled": (
        "Cancelled",
        lambda now: Q(
            status__in=[BookingStatus.CANCELLED, BookingStatus.DECLINED, BookingStatus.EXPIRED]
        ),
        "-start",
    ),
}


def _listed_bookings(request):
    tab = request.GET.get("tab") if request.GET.get("tab") in TABS else "upcoming"
    search = request.GET.get("q", "").strip()[:100]
    label, condition, order = TABS[tab]
    found = (
        Booking.objects.for_host(request.user)
        .filter(condition(timezone.now()))
        .select_related("event_type", "payment")
        .order_by(order)
    )
    if search:
        found = found.filter(Q(guest_name__icontains=search) | Q(guest_email__icontains=search))
    return tab, search, found


@host_required
def bookings_export(request):
    """The list's tab and search as CSV, with each guest's answers to the questions."""
    tab, _search, found = _listed_bookings(request)
    found = found.select_related("calendar_event")  # Google Meet links, in the place column
    response = HttpResponse(
        bookings_csv(found, request.user.zone), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="bookings-{tab}.csv"'
    return response


@host_required
def bookings(request):
    tab, search, found = _listed_bookings(request)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    zone = request.user.zone
    rows = [
        (booking, booking.start.astimezone(zone), booking.start.astimezone(booking.guest_zone))
        for booking in page
    ]
    context = {
        "section": "bookings",
        "tab": tab,
        "tabs": [(key, value[0]) for key, value in TABS.items()],
        "search": search,
        "page": page,
        "rows": rows,
        "query_without_page": urlencode({"tab": tab, "q": search}),
    }
    return render(request, "bookings/host/bookings.html", context)


ACTIONS = {
    "confirm": ("Confirm this request", lambda booking, reason: services.confirm_booking(booking)),
    "decline": (
        "Decline this request",
        lambda booking, reason: services.decline_booking(booking, reason=reason),
    ),
    "cancel": (
        "Cancel this booking",
        lambda booking, reason: services.cancel_booking(
            booking, by=CancelledBy.HOST, reason=reason
        ),
    ),
    "completed": (
        "Mark as completed",
        lambda booking, reason: services.mark_attendance(booking, status=BookingStatus.COMPLETED),
    ),
    "no_show": (
        "Mark as no-show",
        lambda booking, reason: services.mark_attendance(booking, status=BookingStatus.NO_SHOW),
    ),
}


def allowed_actions(booking: Booking, now: dt.datetime) -> list[str]:
    """The actions that make sense for this booking now, in the order they are offered."""
    started = booking.has_started(now)
    if booking.status == BookingStatus.PENDING:
        return ["decline"] if started else ["confirm", "decline", "cancel"]
    if booking.status == BookingStatus.CONFIRMED:
        return ["completed", "no_show"] if started else ["cancel"]
    if booking.status == BookingStatus.COMPLETED:
        return ["no_show"]
    if booking.status == BookingStatus.NO_SHOW:
        return ["completed"]
    return []


DONE = {
    "confirm": "Confirmed.",
    "decline": "Declined.",
    "cancel": "Cancelled.",
    "completed": "Marked as completed.",
    "no_show": "Marked as no-show.",
}


@host_required
@require_http_methods(["GET", "POST"])
def booking_detail(request, uid):
    booking = host_booking(request, uid)
    now = timezone.now()
    allowed = allowed_actions(booking, now)
    action = request.POST.get("action") or request.GET.get("action") or ""
    form = HostReasonForm(request.POST or None)
    if request.method == "POST" and action not in allowed:
        messages.error(request, "That is not possible for this booking now.")
        return redirect("dashboard-booking", uid=booking.uid)
    if request.method == "POST" and form.is_valid():
        try:
            ACTIONS[action][1](booking, form.cleaned_data["reason"])
        except services.BookingError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, DONE[action])
        # Inline Confirm/Decline (home, Pending tab) return to where the host was.
        back = request.POST.get("next", "")
        if back and url_has_allowed_host_and_scheme(back, {request.get_host()}):
            return redirect(back)
        return redirect("dashboard-booking", uid=booking.uid)
    host_zone = booking.host.zone
    context = {
        "section": "bookings",
        "booking": booking,
        "form": form,
        "action": action if action in allowed else "",
        "action_label": ACTIONS[action][0] if action in allowed else "",
        "allowed": allowed,
        "can_reschedule": booking.is_active and not booking.has_started(now),
        "emails": booking.email_deliveries.order_by("created_at"),
        "timeline": timeline_for(booking),
        "host_start": booking.start.astimezone(host_zone),
        "host_end": booking.end.astimezone(host_zone),
        "guest_start": booking.start.astimezone(booking.guest_zone),
    }
    return render(request, "bookings/host/booking_detail.html", context)


@host_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request, uid):
    booking = host_booking(request, uid)
    zone_name = booking.host.timezone
    error = ""
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                services.reschedule_booking(
                    booking, start=form.cleaned_data["start"], by=CancelledBy.HOST
                )
            except services.BookingError as refusal:
                error = refusal.message
            else:
                messages.success(request, "Moved. The guest has been told.")
                return redirect("dashboard-booking", uid=booking.uid)
        else:
            error = "Pick one of the times offered."
    chosen = None
    if request.GET.get("start") and not error:
        try:
            chosen = parse_instant(request.GET["start"]).astimezone(booking.host.zone)
        except ValidationError:
            chosen = None
    picker = build_picker(
        booking.event_type,
        zone_name=zone_name,
        month_param=request.GET.get("month"),
        date_param=request.GET.get("date")
        or booking.start.astimezone(booking.host.zone).date().isoformat(),
        base_path=request.path,
        slot_url=lambda slot: f"{request.path}?{urlencode({'start': slot.start.isoformat()})}",
        exclude_booking_id=booking.pk,
    )
    context = {
        "section": "bookings",
        "booking": booking,
        "event_type": booking.event_type,
        "picker": picker,
        "chosen": chosen,
        "error": error,
        "host_start": booking.start.astimezone(booking.host.zone),
    }
    template = "bookings/_picker.html" if request.htmx else "bookings/host/reschedule.html"
    return render(request, template, context, status=409 if error else 200)


@host_required
@require_http_methods(["GET", "POST"])
def booking_new(request):
    form = HostBookingForm(request.POST or None, host=request.user)
    conflicts: list[str] = []
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.create_booking(**form.booking_fields())
        except services.SlotUnavailable as refusal:
            error = "That time is taken."
            conflicts = refusal.conflicts
        except services.BookingError as refusal:
            error = refusal.message
        else:
            messages.success(request, "Booked. The guest has been sent the confirmation.")
            return redirect("dashboard-booking", uid=booking.uid)
    context = {"section": "bookings", "form": form, "error": error, "conflicts": conflicts}
    status = 409 if conflicts else (400 if form.errors or error else 200)
    return render(request, "bookings/host/booking_new.html", context, status=status)


@host_required
def calendar(request):
    view = request.GET.get("view") if request.GET.get("view") in VIEWS else "week"
    today = timezone.now().astimezone(request.user.zone).date()
    try:
        anchor = dt.date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        anchor = today
    if abs((anchor - today).days) > 366 * 20:
        anchor = today
    page = build_calendar(request.user, view, anchor, today)
    context = {
        "section": "calendar",
        "page": page,
        "scroll_hour": working_hours_start(request.user),
        "today": today,
        "views": VIEWS,
        "hours": range(24),
        "statuses": [(status.value, status.label) for status in BookingStatus],
    }
    return render(request, "bookings/host/calendar.html", context)
