"""Event types and bookings: the booking service, public pages and the JSON API."""
