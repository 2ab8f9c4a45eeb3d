"""The registration-mode fields of the meeting dialog (shown only when an administrator allows the mode)."""

from indico.web.forms.fields import IndicoSelectMultipleCheckboxField
from indico.web.forms.validators import HiddenUnless
from indico.web.forms.widgets import SwitchWidget
from wtforms.fields import BooleanField

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
