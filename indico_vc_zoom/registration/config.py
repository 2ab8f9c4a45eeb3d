"""Which meetings are in registration mode, and which of their events' registrations count."""

from indico.modules.events.registration.models.registrations import Registration, RegistrationState

from indico_vc_zoom.settings import zoom_settings


#: the keys a room's create/edit form stores in ``vc_room.data``
REGISTRATION_KEYS = ('registration', 'registration_forms', 'registration_completed_only')


def is_registration_mode(vc_room):
    """Whether Zoom requires registration for this meeting (and so each registrant joins by a personal link)."""
    return bool((vc_room.data or {}).get('registration')) and zoom_settings.get('allow_registration')


def counted_registrations(vc_room):
    """The active registrations of the chosen forms (all when none chosen) of the meeting's events."""
    data = vc_room.data or {}
    form_ids = set(data.get('registration_forms') or ())
    registrations = []
    for event in {a.event for a in vc_room.events if a.event is not None}:
        forms = [f for f in event.registration_forms if not f.is_deleted]
        # a meeting's chosen forms are of its event; where none is (e.g. another event), all forms count
        chosen = [f for f in forms if f.id in form_ids] or forms
        query = Registration.query.filter(Registration.registration_form_id.in_([f.id for f in chosen]),
                                          Registration.is_active)
        if data.get('registration_completed_only'):
            query = query.filter(Registration.state == RegistrationState.complete)
        registrations += query.all()
    return registrations
