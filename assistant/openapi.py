"""The assistant's part of the OpenAPI document (merged by bookings.openapi)."""

from __future__ import annotations

from assistant.intent import INTENT_SCHEMA

CONVENTIONS = """Reads a guest's message and proposes free times; it never books (book a proposal
with createBooking). Dates in `intent` are local dates in `intent.timezone`, inclusive;
`earliest`/`latest` bound the meeting: it starts at or after `earliest` and ends by `latest`.

Conventions:
- today, tomorrow, the day after tomorrow; a weekday or "this <weekday>" = the first such day on
  or after today; "next <weekday>" = the first such day after today; "this week" = today to
  Sunday; "next week" = next Monday to Sunday ("early next week" Monday-Wednesday, "late next
  week" Thursday-Sunday); "this weekend" = the coming Saturday and Sunday; "in N days" = that
  day; "in N weeks" = the Monday-Sunday week holding today + 7N days; "this month" = today to its
  last day; "next month" = all of it; "in <month>"; "the 14th", "Dec 3", "3 December" = the next
  such date; "between the 3rd and the 5th", "Tuesday to Thursday (next week)"; several days
  ("Monday or Wednesday"); "any day next week except Friday"; "weekdays". No day named: today
  and the 6 days after it.
- Parts of the day: morning ("am") 08:00-12:00, afternoon ("pm") 12:00-17:00, evening
  17:00-21:00 ("early"/"late" morning etc.: the first/second half), lunchtime 12:00-14:00;
  "after 3pm", "before noon", "from 10 to 2", "at 9:30" (earliest 09:30, latest 09:30 +
  duration), "around 11" (starts 10:30-11:30), "early" (starts by 10:00), "late" (starts
  16:00 or later). Bare hours 1-6 mean 13:00-18:00, 7-11 the morning.
- Durations ("30 min", "half an hour", "an hour", "90 minutes", "1.5 hours") and event type
  names (slug or title words) choose the event type; a length the host does not offer is
  answered (in `questions`) with the lengths that exist; several types and no hint: a question,
  unless only one is active.
- A timezone named in the message ("London time", "in Tokyo", "Sydney", ET, PT, CET,
  IST = Asia/Kolkata) overrides `timezone`; `reply` gives times in the guest's and the host's zone.
- "with <name>": the host's name is accepted; anyone else's gets a question and no proposals.
- Up to 5 proposals, spread over the days asked (each day's earliest first), in time order.
- An empty message or one over 1,000 characters is refused (400); anything else gets a reply."""

PATHS = {
    "/api/v1/{handle}/assistant": {
        "post": {
            "operationId": "askAssistant",
            "summary": "Understand a request in words and propose free times (never books)",
            "description": CONVENTIONS,
            "parameters": [
                {"name": "handle", "in": "path", "required": True, "schema": {"type": "string"}}
            ],
            "requestBody": {
                "required": True,
                "content": {
                    "application/json": {
                        "schema": {"$ref": "#/components/schemas/AssistantRequest"}
                    }
                },
            },
            "responses": {
                "200": {
                    "description": "The reply, the intent understood and free proposals",
                    "content": {
                        "application/json": {
                            "schema": {"$ref": "#/components/schemas/AssistantAnswer"}
                        }
                    },
                },
                "400": {
                    "description": "Empty or over-long message, unknown timezone, bad JSON",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
                "404": {
                    "description": "No such host",
                    "content": {
                        "application/json": {"schema": {"$ref": "#/components/schemas/Error"}}
                    },
                },
            },
        }
    }
}

SCHEMAS = {
    "AssistantRequest": {
        "type": "object",
        "required": ["message"],
        "properties": {
            "message": {"type": "string", "minLength": 1, "maxLength": 1000},
            "timezone": {
                "type": ["string", "null"],
                "description": "The guest's IANA timezone; default: the host's.",
            },
        },
    },
    "AssistantIntent": INTENT_SCHEMA,
    "AssistantProposal": {
        "type": "object",
        "additionalProperties": False,
        "required": ["event_type", "start", "end", "seats_left"],
        "properties": {
            "event_type": {"type": "string", "description": "Slug to book it with."},
            "start": {"type": "string", "format": "date-time"},
            "end": {"type": "string", "format": "date-time"},
            "seats_left": {"type": "integer", "minimum": 1},
        },
    },
    "AssistantAnswer": {
        "type": "object",
        "additionalProperties": False,
        "required": ["reply", "intent", "proposals", "questions"],
        "properties": {
            "reply": {"type": "string"},
            "intent": {"$ref": "#/components/schemas/AssistantIntent"},
            "proposals": {
                "type": "array",
                "maxItems": 5,
                "items": {"$ref": "#/components/schemas/AssistantProposal"},
            },
            "questions": {"type": "array", "items": {"type": "string"}},
        },
    },
}
