"""Personal Zoom join links: the one a registrant got from Zoom, looked up for a viewer and a meeting link."""

from indico.modules.events.registration.models.registrations import Registration

from indico_vc_zoom.models.zoom_registrants import APPROVED, ZoomRegistrant


def personal_join_url(user, event_vc_room):
    """The viewer's own approved personal link for this meeting in this event, or ``None`` (one indexed query)."""
    if user is None or event_vc_room.vc_room.id is None:
        return None
    row = (ZoomRegistrant.query
           .join(Registration, Registration.id == ZoomRegistrant.registration_id)
           .filter(ZoomRegistrant.vc_room_id == event_vc_room.vc_room.id, ZoomRegistrant.status == APPROVED,
                   Registration.user_id == user.id, Registration.event_id == event_vc_room.event_id,
                   Registration.is_active)
           .with_entities(ZoomRegistrant.join_url)
           .first())
    return row.join_url if row else None


def registration_join_url(registration, vc_room):
    """The personal link of one registration (its registration page and e-mail; managers' lists)."""
    row = ZoomRegistrant.query.filter_by(vc_room_id=vc_room.id, registration_id=registration.id,
                                         status=APPROVED).first()
    return row.join_url if row and registration.is_active else None
