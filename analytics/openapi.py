"""The analytics part of the OpenAPI document (merged into bookings.openapi)."""

from __future__ import annotations

_COUNT = {"type": "integer", "minimum": 0}
_FIGURE_PROPERTIES = {
    "created": {**_COUNT, "description": "Bookings made."},
    "confirmed": {**_COUNT, "description": "Bookings confirmed (at once, or by the host)."},
    "completed": {**_COUNT, "description": "Meetings marked completed, on the meeting's day."},
    "no_shows": {**_COUNT, "description": "Meetings marked no-show, on the meeting's day."},
    "cancelled_by_guest": _COUNT,
    "cancelled_by_host": _COUNT,
    "rescheduled": _COUNT,
    "declined": _COUNT,
    "page_views": {**_COUNT, "description": "Views of public event pages (bots left out)."},
    "median_lead_time_hours": {
        "type": ["number", "null"],
        "description": "Median hours from booking to start of the bookings made; null if none.",
    },
}
FIGURE_NAMES = list(_FIGURE_PROPERTIES)

SCHEMAS = {
    "AnalyticsFigures": {
        "type": "object",
        "required": FIGURE_NAMES,
        "properties": _FIGURE_PROPERTIES,
    },
    "AnalyticsDay": {
        "type": "object",
        "required": ["date", *FIGURE_NAMES],
        "properties": {"date": {"type": "string", "format": "date"}, **_FIGURE_PROPERTIES},
    },
    "AnalyticsChange": {
        "type": "object",
        "required": FIGURE_NAMES,
        "description": "(totals - previous) / previous per figure; null when previous is 0 "
        "or missing (the figure is new).",
        "properties": {name: {"type": ["number", "null"]} for name in FIGURE_NAMES},
    },
    "AnalyticsReport": {
        "type": "object",
        "required": ["period", "totals", "previous", "change", "daily"],
        "properties": {
            "period": {
                "type": "object",
                "required": ["start", "end", "timezone"],
                "properties": {
                    "start": {"type": "string", "format": "date"},
                    "end": {"type": "string", "format": "date", "description": "Today."},
                    "timezone": {"type": "string", "description": "The host's IANA zone."},
                },
            },
            "totals": {"$ref": "#/components/schemas/AnalyticsFigures"},
            "previous": {"$ref": "#/components/schemas/AnalyticsFigures"},
            "change": {"$ref": "#/components/schemas/AnalyticsChange"},
            "daily": {"type": "array", "items": {"$ref": "#/components/schemas/AnalyticsDay"}},
        },
    },
}


def paths(error, json_response) -> dict:
    return {
        "/api/v1/analytics": {
            "get": {
                "operationId": "getAnalytics",
                "summary": "A host's figures per host-local day, with the previous period",
                "description": "The period ends today in the host's timezone. Days are the "
                "host's local days (DST days included). Figures count what happened that day; "
                "completions and no-shows count on the meeting's day.",
                "security": [{"bearerToken": []}],
                "parameters": [
                    {
                        "name": "period",
                        "in": "query",
                        "schema": {"type": "string", "enum": ["7d", "30d", "90d"]},
                        "description": "Default 30d.",
                    },
                    {
                        "name": "event_type",
                        "in": "query",
                        "schema": {"type": "string"},
                        "description": "Slug of one of the host's event types.",
                    },
                ],
                "responses": {
                    "200": json_response("AnalyticsReport", "Figures of the period"),
                    "400": error("INVALID_INPUT: unknown period or event type"),
                    "401": error("UNAUTHORIZED: token missing, wrong or revoked"),
                },
            }
        }
    }


SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "A personal API token made on the dashboard's settings page.",
    }
}
