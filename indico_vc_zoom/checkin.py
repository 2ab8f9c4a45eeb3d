"""Check-in by Zoom: ``meeting.participant_joined`` checks the participant's Indico registration in, once.

Per meeting the managers choose (``vc_room.data['checkin']``): off, by Zoom registrant (the meeting is in
registration mode and the participant joined by a personal link: Zoom's ``registrant_id``) or by e-mail (the
participant's e-mail address is that of an active registration of one of the meeting's events). The check-in is
Indico's own (``checked_in``, its signal and so its event-log entry); a row per room and registration makes it
happen once. Unknown participants are ignored. With check-in off, a join costs no query beyond the room lookup.
"""

from collections import defaultdict
from datetime import datetime

from indico.core import signals
from indico.core.db import db
from indico.core.logger import Logger
from indico.modules.events.registration.models.registrations import Registration, RegistrationState
from indico.modules.logs.models.entries import LogKind
from indico.util.date_time import now_utc
from indico.web.forms.fields import IndicoRadioField
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import contains_eager
from wtforms.validators import DataRequired, ValidationError

from indico_vc_zoom.i18n import _
from indico_vc_zoom.models.zoom_checkins import ZoomCheckin
from indico_vc_zoom.models.zoom_registrants import ZoomRegistrant
from indico_vc_zoom.request_cache import request_cached
from indico_vc_zoom.settings import zoom_settings
from indico_vc_zoom.webhooks.changes import log_entries


logger = Logger.get('vc_zoom')

OFF = 'off'
BY_REGISTRANT = 'registrant'
BY_EMAIL = 'email'
CHECKIN_MODES = (OFF, BY_REGISTRANT, BY_EMAIL)
CHECKIN_CHOICES = [(OFF, _('No')),
                   (BY_REGISTRANT, _('Zoom registrants (joined by their personal link)')),
                   (BY_EMAIL, _("By e-mail address (the participant's Zoom e-mail is a registration's)"))]
#: the states Indico's own check-in accepts
CHECKIN_STATES = (RegistrationState.complete, RegistrationState.unpaid)
_checkins = ZoomCheckin.__table__


def checkin_field():
    """The dialog's field; made where the form class is defined, so it comes after the fields defined before it."""
    return IndicoRadioField(_('Check registrants in when they join'), [DataRequired()], choices=CHECKIN_CHOICES,
                            default=OFF,
                            description=_("When someone joins the Zoom meeting, their registration is checked in "
                                          "(once). By Zoom registrant needs this meeting's Zoom registration."))


class CheckinOptionsMixin:
    """Mixed into the create/edit form, which has a ``checkin`` field (:func:`checkin_field`) and may have the
    registration options (whose ``registration`` field it reads)."""

    def validate_checkin(self, field):
        if field.data not in CHECKIN_MODES:
            raise ValidationError(_('Please choose how registrants are checked in.'))
        registration = getattr(self, 'registration', None)  # absent when the administrators do not allow it
        if field.data == BY_REGISTRANT and not (registration is not None and registration.data):
            raise ValidationError(_('Checking in Zoom registrants needs Zoom registration for this meeting; '
                                    'choose "By e-mail address" otherwise.'))


def checkin_mode(data):
    mode = (data or {}).get('checkin')
    return mode if mode in CHECKIN_MODES else OFF


def _registrant_matches(record, notification):
    if not (record.data.get('registration') and zoom_settings.get('allow_registration')):
        return []  # the meeting left registration mode: no personal links any more
    if not notification.registrant_id:
        return []
    return (Registration.query
            .join(ZoomRegistrant, ZoomRegistrant.registration_id == Registration.id)
            .filter(ZoomRegistrant.vc_room_id == record.vc_room_id,
                    ZoomRegistrant.zoom_registrant_id == notification.registrant_id,
                    Registration.event_id.in_(record.event_ids), Registration.is_active)
            .all())


def _email_matches(record, notification):
    if not notification.email or '@' not in notification.email:
        return []
    found = (Registration.query
             .filter(Registration.event_id.in_(record.event_ids), Registration.is_active,
                     Registration.email == notification.email.lower())  # Indico keeps them lower-case
             .order_by(Registration.id)
             .all())
    first_per_event = {}
    for registration in found:
        first_per_event.setdefault(registration.event_id, registration)
    return list(first_per_event.values())


def apply_to_room(record, notification):
    """Like :func:`handling.apply_to_room` for ``participant_joined``: ``None`` or ``(log rows, None)``."""
    mode = checkin_mode(record.data)
    if mode == OFF or not record.event_ids:
        return None
    matches = (_registrant_matches if mode == BY_REGISTRANT else _email_matches)(record, notification)
    entries = []
    for registration in matches:
        if registration.checked_in or registration.state not in CHECKIN_STATES:
            continue
        stmt = (insert(_checkins)
                .values(vc_room_id=record.vc_room_id, registration_id=registration.id, uuid=notification.uuid,
                        matched_by=mode, zoom_name=notification.user_name[:1000], created_dt=now_utc(),
                        join_dt=_join_dt(notification))
                .on_conflict_do_nothing(index_elements=[_checkins.c.vc_room_id, _checkins.c.registration_id])
                .returning(_checkins.c.registration_id))
        if db.session.execute(stmt).first() is None:
            continue  # Zoom checked this one in before: a reset by a manager stays
        # what Indico's own check-in does (its controllers in 3.2 and 3.3): the flag, then the signal (event log)
        registration.checked_in = True
        signals.event.registration_checkin_updated.send(registration)
        logger.info('Checked in registration %s: joined Zoom meeting %s', registration.id, notification.zoom_id)
        entries += [row for row in log_entries(
            record, LogKind.positive, f'"{registration.full_name}" was checked in by Zoom',
            {'Meeting': record.name, 'Matched by': 'Zoom registrant' if mode == BY_REGISTRANT else 'e-mail',
             'Joined': notification.join_time or '-'}) if row[0] == registration.event_id]
    return (entries, None) if entries else None


def _join_dt(notification):
    value = notification.join_time  # already checked and normalized (UTC, ``Z``) by the payload parser
    return datetime.fromisoformat(value.replace('Z', '+00:00')) if value else None


def room_checkins(vc_room, event):
    """The registrations of ``event`` Zoom checked in through this room (managers only); one query per page."""
    def load():
        by_room = defaultdict(list)
        for row in (ZoomCheckin.query
                    .join(Registration, Registration.id == ZoomCheckin.registration_id)
                    .filter(Registration.event_id == event.id)
                    .options(contains_eager(ZoomCheckin.registration))
                    .order_by(ZoomCheckin.join_dt.nullslast(), ZoomCheckin.created_dt)):
            by_room[row.vc_room_id].append(row)
        return by_room
    return request_cached(('zoom_checkins', event.id), load).get(vc_room.id, [])
