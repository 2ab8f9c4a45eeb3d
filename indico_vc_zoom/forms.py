"""Forms: the admin settings and the meeting create/edit/attach dialogs, and what they start with."""

import contextlib
import re

from flask import session
from indico.modules.vc.forms import VCPluginSettingsFormBase, VCRoomAttachFormBase, VCRoomFormBase
from indico.modules.vc.models.vc_rooms import VCRoomLinkType
from indico.util.string import html_to_plaintext
from indico.util.user import principal_from_identifier
from indico.web.forms.base import FormDefaults, generated_data
from indico.web.forms.fields import IndicoPasswordField, IndicoRadioField, TextListField
from indico.web.forms.fields.principals import PrincipalField, PrincipalListField
from indico.web.forms.validators import HiddenUnless
from indico.web.forms.widgets import SwitchWidget
from wtforms.fields import BooleanField, IntegerField, SelectField, StringField, TextAreaField, URLField
from wtforms.validators import DataRequired, InputRequired, NumberRange, Optional, ValidationError

from indico_vc_zoom import meetings
from indico_vc_zoom.checkin import OFF as CHECKIN_OFF
from indico_vc_zoom.checkin import CheckinOptionsMixin, checkin_field
from indico_vc_zoom.connection import make_client_from_settings
from indico_vc_zoom.i18n import _
from indico_vc_zoom.identities import provider_choices
from indico_vc_zoom.kinds import MEETING
from indico_vc_zoom.redaction import found_secrets, refusal_message, stored_secrets_pattern
from indico_vc_zoom.registration.fields import RegistrationOptionsMixin
from indico_vc_zoom.settings import CLIENT_SETTINGS, zoom_settings
from indico_vc_zoom.visibility import VISIBILITY_CHOICES
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound


SECRET_FIELDS = ('client_secret', 'api_secret', 'webhook_token')
PASSCODE_RE = re.compile(r'^\d{6,10}$')
DOMAIN_RE = re.compile(r'^(?!-)[a-z0-9-]+(\.[a-z0-9-]+)+$')


class SecretField(IndicoPasswordField):
    """A password field that never renders the stored value back; left empty it keeps that value."""

    def _value(self):
        return ''


class EmailDomainListField(TextListField):
    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        self.data = [d.lower().lstrip('@') for d in self.data]

    def _validate_item(self, line):
        if not DOMAIN_RE.match(line):
            raise ValidationError(_('Invalid e-mail domain: {}').format(line))


class PluginSettingsForm(VCPluginSettingsFormBase):
    _fieldsets = [
        (_('Server-to-Server OAuth app'), ['account_id', 'client_id', 'client_secret']),
        (_('Legacy JWT app (deprecated by Zoom)'), ['api_key', 'api_secret']),
        (_('Zoom endpoints'), ['api_url', 'oauth_url']),
        (_('Accounts'), ['assistant_id', 'email_domains']),
        (_('Webhooks'), ['webhook_token', 'webhook_legacy_token']),
        (_('Access'), ['managers', 'acl', 'notification_emails']),
        (_('Meeting defaults'), ['allow_webinars', 'allow_registration', 'passcode_length', 'default_visibility',
                                 'waiting_room', 'mute_audio', 'mute_host_video', 'mute_participant_video',
                                 'join_before_host']),
        (_('Phone dial-in'), ['show_dial_in']),
        (_('Zoom accounts by identity'), ['identity_provider', 'enterprise_domain']),
    ]

    account_id = StringField(_('Account ID'), [Optional()])
    client_id = StringField(_('Client ID'), [Optional()])
    client_secret = SecretField(_('Client secret'), [Optional()],
                                description=_('Stored secret values are never shown. Leave empty to keep the '
                                              'current value.'))
    api_key = StringField(_('API key'), [Optional()])
    api_secret = SecretField(_('API secret'), [Optional()],
                             description=_('Only used when no Server-to-Server OAuth credentials are set. '
                                           'Leave empty to keep the current value.'))
    api_url = URLField(_('API URL'), [DataRequired()],
                       description=_("Zoom's REST API base. Change only for a regional or self-hosted Zoom (or the "
                                     'simulator); with the default, the URL announced by the OAuth server is used.'))
    oauth_url = URLField(_('OAuth token URL'), [DataRequired()])
    assistant_id = StringField(_('Assistant Zoom ID'), [Optional()],
                               description=_('E-mail or Zoom user ID of a licensed account that schedules every '
                                             'meeting for its host (the plugin makes it an assistant of each host), '
                                             'so the host of a meeting can always be changed later. Trade-off: Zoom '
                                             "then counts every create and update against this one account's daily "
                                             "limit (100 per day), shared by all hosts; today's count is shown "
                                             "below. Empty: meetings live in their hosts' own accounts, each with "
                                             'its own limit, and Zoom refuses most host changes.'))
    email_domains = EmailDomainListField(_('E-mail domains'),
                                         description=_("Domains (one per line) of the e-mail addresses used to find a "
                                                       "user's Zoom account. Empty: try all of the user's addresses."))
    webhook_token = SecretField(_('Webhook secret token'), [Optional()],
                                description=_('The secret token of the Zoom app; webhooks are refused while it is '
                                              'not set. Leave empty to keep the current value.'))
    webhook_legacy_token = BooleanField(_('Accept legacy verification token'), widget=SwitchWidget(),
                                        description=_('Also accept webhooks whose "authorization" header equals the '
                                                      'token (Zoom apps created before signatures existed).'))
    allow_webinars = BooleanField(_('Allow webinars'), widget=SwitchWidget())
    allow_registration = BooleanField(_('Allow Zoom registration'), widget=SwitchWidget(),
                                      description=_("Managers may make a meeting's Zoom registration follow the "
                                                    "event's registrants, each with a personal join link."))
    passcode_length = IntegerField(_('Passcode length'), [InputRequired(), NumberRange(min=8, max=10)],
                                   description=_('Length of the generated meeting passcodes (8-10 digits).'))
    default_visibility = IndicoRadioField(_('Default join link visibility'), choices=VISIBILITY_CHOICES)
    waiting_room = BooleanField(_('Waiting room'), widget=SwitchWidget())
    mute_audio = BooleanField(_('Mute participants on entry'), widget=SwitchWidget())
    mute_host_video = BooleanField(_('Host video off'), widget=SwitchWidget())
    mute_participant_video = BooleanField(_('Participant video off'), widget=SwitchWidget())
    join_before_host = BooleanField(_('Join before host'), widget=SwitchWidget())
    identity_provider = SelectField(_('Identity provider'), [Optional()],
                                    description=_("A user's login at this provider (e.g. the institutional one) is "
                                                  'tried first, as login@enterprise domain, to find their Zoom '
                                                  'account; then their e-mail addresses.'))
    enterprise_domain = StringField(_('Zoom enterprise domain'), [Optional()],
                                    description=_('The domain of the Zoom accounts named after those logins, e.g. '
                                                  'example.org.'))
    show_dial_in = BooleanField(_('Show dial-in numbers'), widget=SwitchWidget(),
                                description=_("Show Zoom's phone numbers, the meeting ID and the phone passcode next "
                                              'to the join link, to exactly those who may see the link.'))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.identity_provider.choices = [('', _('None: e-mail addresses only')), *provider_choices()]

    def validate_enterprise_domain(self, field):
        field.data = (field.data or '').strip().lower().lstrip('@')
        if field.data and not DOMAIN_RE.match(field.data):
            raise ValidationError(_('Invalid domain: {}').format(field.data))
        if field.data and not self.identity_provider.data:
            raise ValidationError(_('Choose the identity provider whose logins are Zoom accounts of this domain.'))

    def validate_passcode_length(self, field):
        if field.data is not None and not 8 <= field.data <= 10:
            raise ValidationError(_('Between 8 and 10 digits.'))

    def validate(self, extra_validators=None):
        if not super().validate(extra_validators=extra_validators):
            return False
        return self._check_credentials()

    def _check_credentials(self):
        stored = zoom_settings.get_all()
        merged = {**stored, **self.data}
        if all(merged.get(k) == stored.get(k) for k in CLIENT_SETTINGS):
            return True  # unchanged credentials: do not ask Zoom again
        if not (merged['account_id'] or merged['client_id'] or merged['api_key']):
            return True  # credentials removed: nothing to check
        try:
            client = make_client_from_settings(merged, cache=None)
            client.check_credentials()
            if not (merged['account_id'] and merged['client_id'] and merged['client_secret']):
                # a legacy JWT is signed locally: only a real call tells whether Zoom accepts it
                with contextlib.suppress(ZoomNotFound):
                    client.get_user('me')
        except ZoomError as exc:
            field = self.client_id if merged['client_id'] else self.api_key
            field.errors.append(_('Zoom refused these credentials: {}').format(exc))
            return False
        return True

    @property
    def data(self):
        # an empty secret field means "keep the stored value": never overwrite a secret with ''
        data = super().data
        for name in SECRET_FIELDS:
            if not data.get(name):
                data.pop(name, None)
        return data


def refuse_join_secrets(form, field):
    """The name and description are shown to everyone who sees the meeting: never with its join secrets."""
    vc_room = getattr(form, 'vc_room', None)
    data = vc_room.data if vc_room is not None and vc_room.data else {}
    pattern = stored_secrets_pattern(data, passcode=form.password.data if hasattr(form, 'password') else None)
    if kinds := found_secrets(field.data, pattern):
        raise ValidationError(refusal_message(str(field.label.text), kinds))


class ZoomMeetingOptionsMixin:
    """Fields shared by the create/edit form (options stored on the Zoom meeting)."""

    description = TextAreaField(_('Description'), description=_('Shown as the agenda of the Zoom meeting.'))
    password = StringField(_('Passcode'), [DataRequired()],
                           description=_('6 to 10 digits needed to join the meeting.'))
    waiting_room = BooleanField(_('Waiting room'), widget=SwitchWidget())
    mute_audio = BooleanField(_('Mute participants on entry'), widget=SwitchWidget())
    mute_host_video = BooleanField(_('Host video off'), widget=SwitchWidget())
    mute_participant_video = BooleanField(_('Participant video off'), widget=SwitchWidget())
    join_before_host = BooleanField(_('Join before host'), widget=SwitchWidget())

    def validate_description(self, field):
        refuse_join_secrets(self, field)

    def validate_password(self, field):
        vc_room = getattr(self, 'vc_room', None)
        if vc_room is not None and field.data == vc_room.data.get('password'):
            return  # unchanged: Zoom-side passcodes may be alphanumeric, editing other fields must still work
        if not PASSCODE_RE.match(field.data or ''):
            raise ValidationError(_('The passcode must be 6 to 10 digits.'))


class VisibilityMixin:
    password_visibility = IndicoRadioField(_('Join link visible to'), [DataRequired()], choices=VISIBILITY_CHOICES,
                                           description=_('Who may see the join link and the passcode on the event '
                                                         'pages, timetable, calendars and e-mails. Event managers '
                                                         'and the host always see them.'))
    public_link = BooleanField(_('Show link without passcode'), widget=SwitchWidget(),
                               description=_('Others still see the meeting link (without the passcode): they '
                                             'can join only if they get the passcode elsewhere.'))


class VCRoomForm(VisibilityMixin, ZoomMeetingOptionsMixin, RegistrationOptionsMixin, CheckinOptionsMixin,
                 VCRoomFormBase):
    """Create or edit a Zoom meeting."""

    advanced_fields = VCRoomFormBase.advanced_fields | {'waiting_room', 'mute_audio', 'mute_host_video',
                                                        'mute_participant_video', 'join_before_host',
                                                        'public_link'}
    skip_fields = advanced_fields | VCRoomFormBase.conditional_fields

    meeting_type = IndicoRadioField(_('Type'), [DataRequired()],
                                    choices=[('meeting', _('Meeting')), ('webinar', _('Webinar'))])
    host_choice = IndicoRadioField(_('Host'), [DataRequired()],
                                   choices=[('myself', _('Myself')), ('someone_else', _('Someone else'))])
    host_user = PrincipalField(_('User'), [HiddenUnless('host_choice', 'someone_else'), DataRequired()],
                               description=_('The Zoom account of this user will host the meeting.'))

    # --- alternative hosts (hosts.py): Indico users whose Zoom accounts may also start and run the meeting ---
    alternative_hosts = PrincipalListField(_('Alternative hosts'),
                                           description=_('They can start and run the meeting in Zoom like the host. '
                                                         'Each needs a licensed user in your Zoom account.'))
    checkin = checkin_field()  # after the registration options it depends on (checkin.py)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.is_new = self.vc_room is None or self.vc_room.id is None
        self._init_registration_fields(self.event)
        if not self.is_new:
            # a meeting cannot become a webinar from Indico (Zoom can convert it on its side)
            del self.meeting_type
        elif not zoom_settings.get('allow_webinars'):
            del self.meeting_type

    @generated_data
    def host(self):
        if self.host_choice.data == 'someone_else':
            return self.host_user.data
        return session.user

    def validate_name(self, field):
        super().validate_name(field)
        refuse_join_secrets(self, field)

    def validate_host_user(self, field):
        if self.host_choice.data == 'someone_else' and field.data is None:
            raise ValidationError(_('Please choose the host.'))


class VCRoomAttachForm(VisibilityMixin, VCRoomAttachFormBase):
    """Attach an existing Zoom meeting (shared with another event)."""


# --- what the dialogs start with --------------------------------------------------------------------------------

def new_room_defaults(event):
    """The create dialog's values on top of Indico's own: the admin's meeting defaults, a fresh passcode."""
    return {
        **{key: zoom_settings.get(key) for key in meetings.OPTION_KEYS},
        'description': html_to_plaintext(event.description)[:meetings.AGENDA_MAX] if event.description else '',
        'password': meetings.generate_passcode(zoom_settings.get('passcode_length')),
        'password_visibility': zoom_settings.get('default_visibility'),
        'public_link': False,
        'host_choice': 'myself',
        'meeting_type': MEETING,
        'alternative_hosts': set(),
        'checkin': CHECKIN_OFF,
    }


def new_link_defaults():
    """The attach dialog's values on top of Indico's own."""
    return {'password_visibility': zoom_settings.get('default_visibility'), 'public_link': False}


def edit_form_defaults(vc_room, event_vc_room):
    """The edit dialog's values: the stored room and this link's own data, kept apart."""
    assoc = event_vc_room
    host = principal_from_identifier(vc_room.data['host']) if vc_room.data.get('host') else None
    is_me = host is None or host == session.user
    kwargs = {
        'name': vc_room.name,
        'linking': assoc.link_type.name,
        'show': assoc.show,
        'contribution': assoc.contribution_id if assoc.link_type == VCRoomLinkType.contribution else None,
        'block': assoc.session_block_id if assoc.link_type == VCRoomLinkType.block else None,
        'host_choice': 'myself' if is_me else 'someone_else',
        'host_user': None if is_me else host,
        'alternative_hosts': {user for user in map(principal_from_identifier,
                                                   vc_room.data.get('alternative_hosts') or ()) if user is not None},
    }
    # Indico's base class merges the association data *into* the room data; keep them apart
    room_data = {k: v for k, v in vc_room.data.items() if k not in kwargs}  # identifiers, not the field's users
    room_data.setdefault('checkin', CHECKIN_OFF)  # rooms made before check-in existed
    return FormDefaults({**room_data, **(assoc.data or {})}, **kwargs)
