"""What the meeting-run browser test prepares inside the live instance (``LiveInstance.call``): an event with a Zoom
meeting and a registration form, and a completed registration of the second user (committed, so pages see it)."""

from indico.core.db import db
from indico.modules.events.models.events import Event
from indico.modules.events.registration.models.forms import RegistrationForm
from indico.modules.events.registration.models.registrations import Registration, RegistrationState
from indico.modules.users import User

from tests.browser.live_actions import create_meetings


def prepare_run_event(params):
    # imported late: at module level it starts an import circle inside Indico 3.2
    from indico.modules.events.registration.util import create_personal_data_fields

    [created] = create_meetings({'admin_email': params['admin_email'], 'prefix': params['prefix'], 'count': 1})
    db.session.commit()  # Indico numbers registrations per event with a statement of its own: the event must exist
    event = Event.get(created['event'])
    regform = RegistrationForm(event=event, title='Participants', currency='EUR')
    create_personal_data_fields(regform)
    for field in regform.sections[0].fields:
        field.is_enabled = True
    user = User.query.filter_by(email=params['registrant_email']).one()
    registration = Registration(registration_form=regform, first_name=user.first_name, last_name=user.last_name,
                                email=user.email, user=user, state=RegistrationState.complete, currency='EUR')
    event.registrations.append(registration)
    db.session.commit()
    return {**created, 'registration': registration.id}


def registration_checked_in(params):
    return {'checked_in': Registration.get(params['registration']).checked_in}
