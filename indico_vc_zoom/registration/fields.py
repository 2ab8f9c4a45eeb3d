"""The registration-mode fields of the meeting dialog (shown only when an administrator allows the mode), checked
against what Zoom accepts."""

from indico.modules.events.contributions.models.contributions import Contribution
from indico.modules.events.sessions.models.blocks import SessionBlock
from indico.util.date_time import now_utc
from indico.web.forms.fields import IndicoSelectMultipleCheckboxField
from indico.web.forms.validators import HiddenUnless
from indico.web.forms.widgets import SwitchWidget
from wtforms.fields import BooleanField
from wtforms.validators import ValidationError

from indico_vc_zoom.i18n import _
from indico_vc_zoom.settings import zoom_settings


class RegistrationOptionsMixin:
    """Mixed into the create/edit form; call :meth:`_init_registration_fields` once the form has its event."""

    registration = BooleanField(_("Zoom registration for this event's registrants"), widget=SwitchWidget(),
                                description=_("Each registrant of the event becomes a Zoom registrant and joins by "
                                              "a personal link, shown only to them; the meeting's general link is "
                                              'then shown only to managers and the host.'))
    registration_forms = IndicoSelectMultipleCheckboxField(_('Registration forms'), [HiddenUnless('registration')],
                                                           coerce=int,
                                                           description=_('Whose registrations count. None ticked: '
                                                                         'all forms.'))
    registration_completed_only = BooleanField(_('Only completed registrations'), [HiddenUnless('registration')],
                                               widget=SwitchWidget(),
                                               description=_('Pending (awaiting approval or payment) registrations '
                                                             'do not count until they are completed.'))

    def _init_registration_fields(self, event):
        if not zoom_settings.get('allow_registration'):
            del self.registration
            del self.registration_forms
            del self.registration_completed_only
            return
        self.registration_forms.choices = [(f.id, f.title) for f in event.registration_forms if not f.is_deleted]

    def validate_registration(self, field):
        # Zoom takes registrations only for a meeting with one fixed time; without one (shared, or linked to
        # something not in the future) the meeting is of type 3/6, for which Zoom answers "Registration has not
        # been enabled" to every registrant: say so here instead of failing later
        if not field.data:
            return
        vc_room = getattr(self, 'vc_room', None)
        if vc_room is not None and vc_room.id is not None and \
                len({a.event_id for a in vc_room.events if a.event_id is not None}) > 1:
            raise ValidationError(_('Zoom takes registrations only for a meeting of one event, and this one is '
                                    'shared with other events. Remove it from the other events first.'))
        start_dt = _linked_start(self)
        if start_dt is None or start_dt <= now_utc():
            raise ValidationError(_('Zoom takes registrations only for a meeting with a fixed time in the future, '
                                    'and what this meeting is linked to has none (it has started, ended or is not '
                                    'scheduled). Link it to something in the future, or turn Zoom registration '
                                    'off.'))


def _linked_start(form):
    linking = form.linking.data
    if linking == 'contribution':
        obj = Contribution.get(form.contribution.data) if form.contribution.data else None
    elif linking == 'block':
        obj = SessionBlock.get(form.block.data) if form.block.data else None
    else:
        obj = form.event
    return getattr(obj, 'start_dt', None)
