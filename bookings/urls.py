"""Public pages: a host's page, an event's booking page and the guest's booking links."""

from django.urls import path

from bookings import views

urlpatterns = [
    path("", views.home, name="home"),
    path("booking/<uuid:uid>/", views.booking_detail, name="booking-detail"),
    path("booking/<uuid:uid>/reschedule/", views.booking_reschedule, name="booking-reschedule"),
    path("booking/<uuid:uid>/cancel/", views.booking_cancel, name="booking-cancel"),
    path("booking/<uuid:uid>/fresh-link/", views.booking_fresh_link, name="booking-fresh-link"),
    path("booking/<uuid:uid>/host-confirm/", views.host_confirm, name="host-confirm"),
    path("<str:handle>/", views.host_page, name="host-page"),
    path("<str:handle>/<str:slug>/", views.event_page, name="event-page"),
    path("<str:handle>/<str:slug>/book/", views.book, name="event-book"),
]
