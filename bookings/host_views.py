"""The host's side of one booking: see it, confirm or decline a request, cancel.

Every lookup is scoped to the logged-in host, so another host's booking is a 404.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_http_methods

from bookings import services
from bookings.forms import ReasonForm
from bookings.models import Booking, CancelledBy


class HostReasonForm(ReasonForm):
    reason_label = "Reason (the guest sees it)"


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
}
DONE = {"confirm": "Confirmed.", "decline": "Declined.", "cancel": "Cancelled."}


def host_booking(request, uid) -> Booking:
    return get_object_or_404(
        Booking.objects.for_host(request.user).select_related("event_type__host", "host"), uid=uid
    )


@login_required
@require_http_methods(["GET", "POST"])
def booking_detail(request, uid):
    booking = host_booking(request, uid)
    action = request.POST.get("action") or request.GET.get("action") or ""
    form = HostReasonForm(request.POST or None)
    if request.method == "POST" and action in ACTIONS and form.is_valid():
        try:
            ACTIONS[action][1](booking, form.cleaned_data["reason"])
        except services.BookingError as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, DONE[action])
        return redirect("dashboard-booking", uid=booking.uid)
    host_zone = booking.host.zone
    context = {
        "booking": booking,
        "form": form,
        "action": action if action in ACTIONS else "",
        "action_label": ACTIONS[action][0] if action in ACTIONS else "",
        "host_start": booking.start.astimezone(host_zone),
        "host_end": booking.end.astimezone(host_zone),
        "guest_start": booking.start.astimezone(booking.guest_zone),
    }
    return render(request, "bookings/host/booking_detail.html", context)
