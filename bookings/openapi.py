"""The OpenAPI 3 description of the public API, served at /api/v1/openapi.json.

The test suite validates this document and checks live responses against its schemas.
"""

from __future__ import annotations

from django.conf import settings

from analytics import openapi as analytics_openapi


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _json(schema_name: str, description: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def _body(schema_name: str) -> dict:
    return {
        "required": True,
        "content": {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{schema_name}"}}
        },
    }


def _rate_limited() -> dict:
    return {
        "description": "RATE_LIMITED: too many requests from this client, email or booking; "
        "details.retry_after says when to try again",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before retrying",
                "schema": {"type": "integer", "minimum": 1},
            }
        },
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


_HANDLE = {"name": "handle", "in": "path", "required": True, "schema": {"type": "string"}}
_SLUG = {"name": "slug", "in": "path", "required": True, "schema": {"type": "string"}}
_UID = {
    "name": "uid",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "format": "uuid"},
}
_NULLABLE_STRING = {"type": ["string", "null"]}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error", "code", "details"],
        "properties": {
            "error": {"type": "string", "description": "A message for people."},
            "code": {
                "type": "string",
                "enum": [
                    "INVALID_INPUT",
                    "UNAUTHORIZED",
                    "FORBIDDEN",
                    "NOT_FOUND",
                    "METHOD_NOT_ALLOWED",
                    "SLOT_UNAVAILABLE",
                    "INVALID_STATE",
                    "PAYMENT_UNAVAILABLE",
                    "SERVER_ERROR",
                    "RATE_LIMITED",
                ],
            },
            "details": {
                "type": "object",
                "description": "Field errors as {field: [messages]}, or {reason: refusal} when a "
                "start is refused: in_past, inside_minimum_notice, beyond_window, outside_hours, "
                "off_grid, taken, event_inactive, same_time; {retry_after: seconds} when "
                "RATE_LIMITED.",
            },
        },
    },
    "Slot": {
        "type": "object",
        "required": ["start", "end", "seats_left"],
        "properties": {
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "seats_left": {"type": "integer", "minimum": 1},
        },
    },
    "SlotList": {
        "type": "object",
        "required": ["timezone", "slots"],
        "properties": {
            "timezone": {"type": "string"},
            "slots": {"type": "array", "items": {"$ref": "#/components/schemas/Slot"}},
        },
    },
    "BookingRequest": {
        "type": "object",
        "required": ["start", "name", "email", "timezone"],
        "properties": {
            "start": {
                "type": "string",
                "format": "date-time",
                "description": "ISO 8601 with offset; one of the offered slot starts.",
            },
            "name": {"type": "string", "maxLength": 200},
            "email": {"type": "string", "format": "email", "maxLength": 254},
            "timezone": {"type": "string", "description": "IANA name, e.g. Europe/London"},
            "notes": {"type": ["string", "null"], "maxLength": 5000},
            "phone": {
                "type": "string",
                "maxLength": 40,
                "description": "Required when the event type's location is a call to the guest.",
            },
        },
        "patternProperties": {
            "^q_[0-9]+$": {
                "type": "string",
                "description": 'The answer to the event type\'s question of that id ("true" or '
                '"false" for a checkbox).',
            }
        },
    },
    "CancelRequest": {
        "type": "object",
        "required": ["token"],
        "properties": {
            "token": {"type": "string", "description": "cancel_token of the booking"},
            "reason": {"type": ["string", "null"], "maxLength": 2000},
        },
    },
    "RescheduleRequest": {
        "type": "object",
        "required": ["token", "start"],
        "properties": {
            "token": {"type": "string", "description": "reschedule_token of the booking"},
            "start": {"type": "string", "format": "date-time"},
        },
    },
    "Booking": {
        "type": "object",
        "required": [
            "uid",
            "status",
            "start",
            "end",
            "timezone",
            "ics_url",
            "reschedule_url",
            "cancel_url",
            "reschedule_token",
            "cancel_token",
        ],
        "properties": {
            "uid": {"type": "string", "format": "uuid"},
            "status": {
                "type": "string",
                "enum": [
                    "pending",
                    "confirmed",
                    "declined",
                    "cancelled",
                    "completed",
                    "no_show",
                    "awaiting_payment",
                    "expired",
                ],
            },
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "timezone": {"type": "string"},
            "ics_url": {"type": "string", "format": "uri"},
            "reschedule_url": {**_NULLABLE_STRING, "description": "null once it cannot change"},
            "cancel_url": _NULLABLE_STRING,
            "reschedule_token": _NULLABLE_STRING,
            "cancel_token": _NULLABLE_STRING,
            "payment": {"$ref": "#/components/schemas/Payment"},
        },
    },
    "Payment": {
        "type": "object",
        "description": "Present for event types with a price. Amounts are integers in the "
        "currency's minor units (cents; yen for JPY).",
        "required": ["status", "amount", "currency", "refunded_amount", "checkout_url"],
        "properties": {
            "status": {
                "type": "string",
                "enum": [
                    "open",
                    "expired",
                    "authorized",
                    "captured",
                    "partially_refunded",
                    "refunded",
                    "released",
                ],
            },
            "amount": {"type": "integer", "minimum": 0},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "refunded_amount": {"type": "integer", "minimum": 0},
            "checkout_url": {
                **_NULLABLE_STRING,
                "description": "Stripe Checkout page to pay at while the booking awaits payment",
            },
        },
    },
}


def openapi_document() -> dict:
    from assistant import openapi as assistant_openapi

    document = {
        "openapi": "3.1.0",
        "info": {
            "title": "Slotbook public booking API",
            "version": "1.0.0",
            "description": "Find free times of a host's event type and book, reschedule or "
            "cancel them. Guest actions are authorised by the tokens returned at booking time.",
        },
        "servers": [{"url": settings.BASE_URL}],
        "paths": {
            "/api/v1/{handle}/{slug}/slots": {
                "get": {
                    "operationId": "listSlots",
                    "summary": "Free slots on local dates start..end (inclusive, at most 62 days)",
                    "parameters": [
                        _HANDLE,
                        _SLUG,
                        {
                            "name": "start",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                            "description": "First local date; defaults to today.",
                        },
                        {
                            "name": "end",
                            "in": "query",
                            "schema": {"type": "string", "format": "date"},
                            "description": "Last local date; defaults to start + 6 days.",
                        },
                        {
                            "name": "timezone",
                            "in": "query",
                            "schema": {"type": "string"},
                            "description": "IANA timezone of dates and times; default: the host's.",
                        },
                    ],
                    "responses": {
                        "200": _json("SlotList", "Slots sorted by start"),
                        "400": _error("Invalid dates, range or timezone"),
                        "404": _error("No such host or active event type"),
                        "429": _rate_limited(),
                    },
                }
            },
            "/api/v1/{handle}/{slug}/bookings": {
                "post": {
                    "operationId": "createBooking",
                    "parameters": [_HANDLE, _SLUG],
                    "requestBody": _body("BookingRequest"),
                    "responses": {
                        "201": _json(
                            "Booking",
                            "Booked: confirmed, pending the host's approval, or (paid event "
                            "types) awaiting_payment with payment.checkout_url to pay at",
                        ),
                        "400": _error("Invalid input, or a start the event's rules refuse"),
                        "404": _error("No such host or event type"),
                        "409": _error("SLOT_UNAVAILABLE: the time was taken"),
                        "503": _error("PAYMENT_UNAVAILABLE: Stripe could not be reached"),
                        "429": _rate_limited(),
                    },
                }
            },
            "/api/v1/bookings/{uid}": {
                "get": {
                    "operationId": "getBooking",
                    "summary": "The booking as it is now (poll it while a payment is confirmed)",
                    "parameters": [
                        _UID,
                        {
                            "name": "token",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                            "description": "Any guest token of the booking: view, reschedule "
                            "or cancel.",
                        },
                    ],
                    "responses": {
                        "200": _json("Booking", "The booking"),
                        "400": _error("Token missing"),
                        "403": _error("Token invalid, expired or replaced"),
                        "404": _error("No such booking"),
                        "429": _rate_limited(),
                    },
                }
            },
            "/api/v1/bookings/{uid}/cancel": {
                "post": {
                    "operationId": "cancelBooking",
                    "parameters": [_UID],
                    "requestBody": _body("CancelRequest"),
                    "responses": {
                        "200": _json("Booking", "Cancelled"),
                        "400": _error("Invalid input"),
                        "403": _error("Token invalid, expired, for another purpose or replaced"),
                        "404": _error("No such booking"),
                        "409": _error("INVALID_STATE: already cancelled or started"),
                        "429": _rate_limited(),
                    },
                }
            },
            "/api/v1/bookings/{uid}/reschedule": {
                "post": {
                    "operationId": "rescheduleBooking",
                    "parameters": [_UID],
                    "requestBody": _body("RescheduleRequest"),
                    "responses": {
                        "200": _json("Booking", "Moved; the response carries new links"),
                        "400": _error("Invalid input, or a start the event's rules refuse"),
                        "403": _error("Token invalid, expired, for another purpose or replaced"),
                        "404": _error("No such booking"),
                        "409": _error("SLOT_UNAVAILABLE or INVALID_STATE"),
                        "429": _rate_limited(),
                    },
                }
            },
            "/api/v1/bookings/{uid}.ics": {
                "get": {
                    "operationId": "bookingCalendarFile",
                    "parameters": [
                        _UID,
                        {
                            "name": "token",
                            "in": "query",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "One VEVENT; METHOD:CANCEL once cancelled or declined",
                            "content": {"text/calendar": {"schema": {"type": "string"}}},
                        },
                        "400": _error("Token missing"),
                        "403": _error("Token invalid"),
                        "404": _error("No such booking"),
                        "429": _rate_limited(),
                    },
                }
            },
            **analytics_openapi.paths(_error, _json),
        },
        "components": {
            "schemas": {**SCHEMAS, **analytics_openapi.SCHEMAS},
            "securitySchemes": analytics_openapi.SECURITY_SCHEMES,
        },
    }
    document["paths"].update(assistant_openapi.PATHS)
    document["components"]["schemas"].update(assistant_openapi.SCHEMAS)
    return document
