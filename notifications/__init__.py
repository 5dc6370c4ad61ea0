"""Emails about bookings, with calendar invites; reminders; hosts' calendar feeds."""
