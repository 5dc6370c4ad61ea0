"""When hosts can be booked: hours, overrides, blocked time and the pure slot engine."""
