"""GET /api/v1/analytics: a host's figures for 7, 30 or 90 days ending today in their zone,
with the previous period and the change, authorised by a personal API token (Bearer)."""

from __future__ import annotations

from django.http import JsonResponse

from accounts.api_tokens import host_for_token
from analytics import reports
from bookings.api import ApiError, api_view, error_response
from bookings.models import EventType
from security.ratelimits import rate_limit


def _unauthorised(message: str) -> JsonResponse:
    response = error_response(message, "UNAUTHORIZED")
    response.status_code = 401
    response["WWW-Authenticate"] = 'Bearer realm="api"'
    return response


@rate_limit("pages-per-ip")
@api_view("GET")
def analytics(request):
    scheme, _, raw = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return _unauthorised("Send a personal API token as Authorization: Bearer <token>.")
    host = host_for_token(raw.strip())
    if host is None:
        return _unauthorised("This token is not valid: it is wrong or was revoked.")
    zone = host.zone
    try:
        period = reports.parse_period(request.GET.get("period"), zone)
    except reports.PeriodError as error:
        raise ApiError(str(error), details={"period": ["Use 7d, 30d or 90d."]}) from None
    event_type_id = None
    slug = request.GET.get("event_type")
    if slug:
        event_type = EventType.objects.for_host(host).filter(slug=slug[:50]).first()
        if event_type is None:
            raise ApiError(
                "No event type of yours has that slug.",
                details={"event_type": ["Unknown event type."]},
            )
        event_type_id = event_type.pk
    report = reports.build_report(host, period, event_type_id, charts=False)
    return JsonResponse(reports.api_payload(report, host.timezone))
