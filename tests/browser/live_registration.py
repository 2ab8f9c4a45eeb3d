"""What the registration browser test sets up inside the live instance (``LiveInstance.call``, committed): an event
with an open registration form, a Zoom meeting in registration mode made by the plugin's own create, and two users
who can log in."""

from datetime import timedelta

from flask import session
from indico.core.db import db
from indico.modules.auth import Identity
from indico.modules.categories import Category
from indico.modules.events.features.util import set_feature_enabled
from indico.modules.events.models.events import EventType
from indico.modules.events.operations import create_event
from indico.modules.events.registration.models.forms import RegistrationForm
from indico.modules.events.registration.models.registrations import PublishRegistrationsMode
from indico.modules.events.registration.util import create_personal_data_fields
from indico.modules.users import User
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomLinkType, VCRoomStatus
from indico.util.date_time import now_utc

from indico_vc_zoom import orphans, rooms
from indico_vc_zoom.settings import zoom_settings


def setup_registration_meeting(params):
    admin = User.query.filter_by(email=params['admin_email']).one()
    session.set_session_user(admin)
    zoom_settings.set('allow_registration', True)
    users = {}
    for key, spec in params['users'].items():
        user = User(first_name=spec['first_name'], last_name=spec['last_name'], email=spec['email'],
                    affiliation='Demo Institute')
        user.identities.add(Identity(provider='indico', identifier=spec['login'], password=spec['password']))
        db.session.add(user)
        users[key] = user
    category = Category.query.filter_by(title='Zoom demo').one()
    start = now_utc().replace(minute=0, second=0, microsecond=0) + timedelta(days=20)
    event = create_event(category, EventType.meeting, {
        'title': 'Registration e2e', 'timezone': 'UTC', 'start_dt': start, 'end_dt': start + timedelta(hours=2),
        'creator': admin})
    set_feature_enabled(event, 'registration', True)
    regform = RegistrationForm(event=event, title='Participants', currency='EUR',
                               start_dt=now_utc() - timedelta(hours=1), end_dt=now_utc() + timedelta(days=10),
                               # no participant list: the form then asks no consent question
                               publish_registrations_participants=PublishRegistrationsMode.hide_all,
                               publish_registrations_public=PublishRegistrationsMode.hide_all)
    create_personal_data_fields(regform)
    for field in regform.sections[0].fields:
        field.is_enabled = True
    db.session.add(regform)
    vc_room = VCRoom(created_by_user=admin, type='zoom', status=VCRoomStatus.created, name='Registration e2e meeting',
                     data={'description': '', 'password': '12345678', 'host': admin.identifier,
                           'meeting_type': 'meeting', 'registration': True, 'registration_forms': [],
                           'registration_completed_only': False})
    VCRoomEventAssociation(event=event, vc_room=vc_room, link_type=VCRoomLinkType.event, linked_event=event,
                           show=True, data={'password_visibility': 'everyone', 'public_link': False})
    db.session.flush()
    rooms.create(vc_room, event)
    orphans.flush_or_delete_orphans()
    return {'event': event.id, 'regform': regform.id, 'zoom_id': vc_room.data['zoom_id'],
            'join_url': vc_room.data['join_url']}
