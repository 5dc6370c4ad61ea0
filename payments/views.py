"""Payment pages: the host connecting Stripe and refunding, the guest waiting for payment.

Thin views over payments.services; the webhook endpoints live in payments.webhooks.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from accounts.views import host_required
from bookings.host_views import host_booking
from bookings.models import Booking, BookingStatus
from bookings.tokens import Purpose, TokenInvalid, check_token
from payments import money, services, stripe_api
from payments.forms import RefundForm
from payments.models import StripeAccount
from security.ratelimits import rate_limit


@host_required
def settings_page(request):
    account = StripeAccount.objects.filter(host=request.user).first()
    return render(
        request,
        "payments/settings.html",
        {"section": "payments", "account": account, "configured": stripe_api.is_configured()},
    )


@host_required
@require_POST
def stripe_connect(request):
    if not stripe_api.is_configured():
        messages.error(request, "Payments are not enabled on this site.")
        return redirect("payments-settings")
    try:
        url = services.onboarding_link(request.user)
    except stripe_api.StripeUnavailable:
        messages.error(request, "Stripe could not be reached. Please try again in a minute.")
        return redirect("payments-settings")
    return redirect(url)


@host_required
def stripe_return(request):
    try:
        account = services.refresh_account(request.user)
    except stripe_api.StripeUnavailable:
        messages.error(request, "Stripe could not be reached to check your account.")
        return redirect("payments-settings")
    if account and account.charges_enabled:
        messages.success(request, "Stripe is connected: guests can pay for your event types.")
    else:
        messages.warning(request, "Stripe onboarding is unfinished. Continue when you are ready.")
    return redirect("payments-settings")


@host_required
def stripe_refresh(request):
    """Stripe sends the host here when an onboarding link expired: make a fresh one."""
    if not stripe_api.is_configured():
        return redirect("payments-settings")
    try:
        return redirect(services.onboarding_link(request.user))
    except stripe_api.StripeUnavailable:
        messages.error(request, "Stripe could not be reached. Please try again in a minute.")
        return redirect("payments-settings")


@host_required
@require_POST
def refund(request, uid):
    booking = host_booking(request, uid)
    payment = services.payment_of(booking)
    if payment is None:
        raise Http404
    form = RefundForm(request.POST, currency=payment.currency)
    if not form.is_valid():
        messages.error(request, " ".join(e for errs in form.errors.values() for e in errs))
        return redirect("dashboard-booking", uid=booking.uid)
    try:
        refund = services.refund_by_host(
            booking, amount=form.cleaned_data["amount"], reason=form.cleaned_data["reason"]
        )
    except services.PaymentError as refusal:
        messages.error(request, str(refusal))
    else:
        done = services.carry_out_refund(refund.pk)
        amount = money.format_money(refund.amount, payment.currency)
        if done:
            messages.success(request, f"Refunded {amount}.")
        else:
            messages.warning(request, f"Refund of {amount} recorded; Stripe will be retried.")
    return redirect("dashboard-booking", uid=booking.uid)


@rate_limit("pages-per-ip")
def booking_status(request, uid):
    """Polled by the guest's booking page while the payment is confirmed."""
    booking = get_object_or_404(Booking.objects.select_related("host"), uid=uid)
    try:
        check_token(booking, Purpose.VIEW, request.GET.get("token"))
    except TokenInvalid:
        return HttpResponse("This link is not valid.", status=403)
    payment = services.payment_of(booking)
    if booking.status != BookingStatus.AWAITING_PAYMENT:
        response = HttpResponse("")
        response["HX-Refresh"] = "true"
        return response
    return render(request, "payments/_waiting.html", {"booking": booking, "payment": payment})
