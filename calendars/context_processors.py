"""The dashboard's "needs reconnect" banner, read only when a template asks for it."""

from __future__ import annotations

from django.utils.functional import SimpleLazyObject

from calendars.models import Connection, ConnectionStatus


def reconnect_banner(request):
    def broken():
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return []
        return list(
            Connection.objects.for_host(user).filter(status=ConnectionStatus.NEEDS_RECONNECT)
        )

    return {"calendars_needing_reconnect": SimpleLazyObject(broken)}
