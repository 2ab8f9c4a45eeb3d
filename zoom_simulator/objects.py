"""Zoom users, meetings and webinars: how they are built, validated and updated.

Only plain dicts are used, in the field order Zoom returns them. Nothing here knows about HTTP or locking.
"""

import copy
import re
from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import dialin, ids
from .responses import NO_BODY, ApiError, validation_error


MEETING, WEBINAR = 'meeting', 'webinar'
TYPES = {MEETING: (1, 2, 3, 8), WEBINAR: (5, 6, 9)}
DEFAULT_TYPE = {MEETING: 2, WEBINAR: 5}
# Types that have a single fixed start time (the others are instant or recurring).
SCHEDULED_TYPES = (2, 5)
CONVERTED_TYPE = {MEETING: {1: 5, 2: 5, 3: 6, 8: 9}, WEBINAR: {5: 2, 6: 3, 9: 8}}
PASSWORD_RE = re.compile(r'^[A-Za-z0-9@\-_*]{0,10}$')
PASSWORD_RULE = ('Passcode may only contain the following characters: [a-z A-Z 0-9 @ - _ *] '
                 'and can have a maximum of 10 characters.')
INVALID_JSON = 'Request Body should be a valid JSON object.'

BOOL, STR, INT, LIST, DICT = 'bool', 'str', 'int', 'list', 'dict'

# Settings Zoom fills in on every meeting it creates (the values a plain licensed account gets).
MEETING_SETTINGS = {
    'host_video': False, 'participant_video': False, 'cn_meeting': False, 'in_meeting': False,
    'join_before_host': False, 'jbh_time': 0, 'mute_upon_entry': False, 'watermark': False, 'use_pmi': False,
    'approval_type': 2, 'audio': 'both', 'auto_recording': 'none', 'enforce_login': False,
    'enforce_login_domains': '', 'alternative_hosts': '', 'alternative_host_update_polls': False,
    'close_registration': False, 'show_share_button': False, 'allow_multiple_devices': False,
    'registrants_confirmation_email': True, 'waiting_room': False,
    'request_permission_to_unmute_participants': False, 'registrants_email_notification': True,
    'meeting_authentication': False, 'encryption_type': 'enhanced_encryption',
    'approved_or_denied_countries_or_regions': {'enable': False}, 'breakout_room': {'enable': False},
    'alternative_hosts_email_notification': True, 'show_join_info': False, 'device_testing': False,
    'focus_mode': False, 'private_meeting': False, 'email_notification': True, 'host_save_video_order': False,
    'sign_language_interpretation': {'enable': False}, 'email_in_attendee_report': False,
}
WEBINAR_SETTINGS = {
    'host_video': False, 'panelists_video': False, 'approval_type': 2, 'audio': 'both', 'auto_recording': 'none',
    'enforce_login': False, 'enforce_login_domains': '', 'alternative_hosts': '',
    'alternative_host_update_polls': False,
    'close_registration': True, 'show_share_button': True, 'allow_multiple_devices': True, 'practice_session': False,
    'hd_video': False, 'hd_video_for_attendees': False, 'send_1080p_video_to_attendees': False,
    'question_and_answer': {'enable': True, 'allow_anonymous_questions': True, 'answer_questions': 'all',
                            'attendees_can_upvote': False, 'attendees_can_comment': False},
    'registrants_confirmation_email': True, 'notify_registrants': True, 'post_webinar_survey': False,
    'registrants_email_notification': True, 'meeting_authentication': False, 'panelist_authentication': False,
    'add_watermark': False, 'add_audio_watermark': False, 'on_demand': False, 'registration_type': 1,
    'registrants_restrict_number': 0, 'email_language': 'en-US', 'panelists_invitation_email_notification': True,
    'attendees_and_panelists_reminder_email_notification': {'enable': True, 'type': 0},
    'follow_up_attendees_email_notification': {'enable': False, 'type': 0},
    'follow_up_absentees_email_notification': {'enable': False, 'type': 0},
    'enable_session_branding': False,
}

# Type rules for the settings Zoom accepts; any other settings key is silently dropped, as Zoom does.
_COMMON_SETTING_TYPES = {
    'host_video': BOOL, 'allow_multiple_devices': BOOL, 'alternative_hosts': STR, 'alternative_host_update_polls': BOOL,
    'approval_type': (0, 1, 2), 'audio': ('both', 'telephony', 'voip'), 'authentication_domains': STR,
    'authentication_option': STR, 'auto_recording': ('local', 'cloud', 'none'), 'close_registration': BOOL,
    'contact_email': STR, 'contact_name': STR, 'enforce_login': BOOL, 'enforce_login_domains': STR,
    'global_dial_in_countries': LIST, 'language_interpretation': DICT, 'meeting_authentication': BOOL,
    'registrants_confirmation_email': BOOL, 'registrants_email_notification': BOOL, 'registration_type': (1, 2, 3),
    'show_share_button': BOOL, 'sign_language_interpretation': DICT,
}
SETTING_TYPES = {
    MEETING: {
        **_COMMON_SETTING_TYPES,
        'additional_data_center_regions': LIST, 'alternative_hosts_email_notification': BOOL,
        'approved_or_denied_countries_or_regions': DICT, 'authentication_exception': LIST, 'breakout_room': DICT,
        'calendar_type': (1, 2), 'cn_meeting': BOOL, 'email_notification': BOOL,
        'encryption_type': ('enhanced_encryption', 'e2ee'), 'focus_mode': BOOL, 'in_meeting': BOOL,
        'jbh_time': (0, 5, 10), 'join_before_host': BOOL, 'meeting_invitees': LIST, 'mute_upon_entry': BOOL,
        'participant_video': BOOL, 'private_meeting': BOOL, 'use_pmi': BOOL, 'waiting_room': BOOL, 'watermark': BOOL,
        'host_save_video_order': BOOL, 'continuous_meeting_chat': DICT, 'resources': LIST,
        'request_permission_to_unmute_participants': BOOL, 'show_join_info': BOOL, 'device_testing': BOOL,
        'email_in_attendee_report': BOOL,
    },
    WEBINAR: {
        **_COMMON_SETTING_TYPES,
        'attendees_and_panelists_reminder_email_notification': DICT, 'email_language': STR,
        'follow_up_absentees_email_notification': DICT, 'follow_up_attendees_email_notification': DICT,
        'hd_video': BOOL, 'hd_video_for_attendees': BOOL, 'panelist_authentication': BOOL, 'add_watermark': BOOL,
        'add_audio_watermark': BOOL, 'notify_registrants': BOOL, 'on_demand': BOOL,
        'panelists_invitation_email_notification': BOOL, 'panelists_video': BOOL, 'post_webinar_survey': BOOL,
        'practice_session': BOOL, 'question_and_answer': DICT, 'registrants_restrict_number': INT,
        'send_1080p_video_to_attendees': BOOL, 'survey_url': STR, 'enable_session_branding': BOOL,
    },
}
_PYTHON_TYPES = {BOOL: bool, STR: str, LIST: list, DICT: dict}


def make_user(fields, account_id):
    """A user object as GET /users/{userId} returns it, from the (partial) fields given in the config."""
    email = fields.get('email')
    if not isinstance(email, str) or '@' not in email:
        raise ValueError(f'A user needs a valid email, got {email!r}')
    user_id = fields.get('id') or ids.user_id()
    first, last = fields.get('first_name', ''), fields.get('last_name', '')
    pmi = fields.get('pmi') or ids.pmi()
    user = {
        'id': user_id, 'first_name': first, 'last_name': last, 'display_name': f'{first} {last}'.strip(),
        'email': email, 'type': 2, 'role_name': 'Member', 'pmi': pmi, 'use_pmi': False,
        'personal_meeting_url': f'https://zoom.us/j/{pmi}', 'timezone': 'UTC', 'verified': 1, 'dept': '',
        'created_at': ids.iso(ids.now()), 'last_login_time': ids.iso(ids.now()), 'last_client_version': '',
        'pic_url': '', 'language': 'en-US', 'phone_number': '', 'status': 'active', 'role_id': '2',
        'account_id': account_id, 'account_number': 10000001, 'cluster': 'us05', 'login_types': [100],
        'group_ids': [], 'im_group_ids': [], 'jid': f'{user_id.lower()}@xmpp.zoom.us',
        'user_created_at': ids.iso(ids.now()),
    }
    user.update({k: v for k, v in fields.items() if k != 'id'})
    user['id'] = user_id
    return user


def parse_body(request):
    """The JSON object sent with a create/update request, or Zoom's error for anything else."""
    if request.json is NO_BODY or not isinstance(request.json, dict):
        raise ApiError(400, 300, INVALID_JSON)
    return request.json


def _timezone(name):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def parse_start_time(value, tz_name):
    """Zoom takes 'yyyy-MM-ddTHH:mm:ssZ' (UTC) or a local time in the meeting's timezone; it answers in UTC."""
    if not isinstance(value, str):
        raise validation_error('start_time', 'Invalid start_time.')
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise validation_error('start_time', f'Invalid start_time: {value}.')
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=_timezone(tz_name or 'UTC') or UTC)
    return ids.iso(dt)


def _check_setting(kind, key, value):
    rule = SETTING_TYPES[kind][key]
    if isinstance(rule, tuple):
        ok = value in rule and type(value) is type(rule[0])
    elif rule == INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    else:
        ok = isinstance(value, _PYTHON_TYPES[rule])
    if not ok:
        raise validation_error(f'settings.{key}', f'Invalid value for field settings.{key}: {value!r}.')


def validate(body, kind):
    """Check the fields of a create/update body the way Zoom does; unknown keys are left alone."""
    if 'type' in body:
        t = body['type']
        if isinstance(t, bool) or not isinstance(t, int) or t not in TYPES[kind]:
            allowed = ', '.join(map(str, TYPES[kind]))
            raise validation_error('type', f'Invalid {kind} type: {t!r}. Allowed values: {allowed}.')
    if 'topic' in body and (not isinstance(body['topic'], str) or len(body['topic']) > 200):
        raise validation_error('topic', 'Topic must be a string of at most 200 characters.')
    if 'agenda' in body and (not isinstance(body['agenda'], str) or len(body['agenda']) > 2000):
        raise validation_error('agenda', 'Agenda must be a string of at most 2000 characters.')
    if 'duration' in body and (isinstance(body['duration'], bool) or not isinstance(body['duration'], int)
                               or body['duration'] < 0):
        raise validation_error('duration', 'Duration must be a non-negative integer.')
    if 'timezone' in body and (not isinstance(body['timezone'], str)
                               or (body['timezone'] and not _timezone(body['timezone']))):
        raise validation_error('timezone', f'Invalid timezone: {body["timezone"]!r}.')
    if 'password' in body and (not isinstance(body['password'], str) or not PASSWORD_RE.match(body['password'])):
        raise validation_error('password', PASSWORD_RULE)
    if 'schedule_for' in body and not isinstance(body['schedule_for'], str):
        raise validation_error('schedule_for', 'schedule_for must be a user id or email.')
    if 'settings' in body:
        if not isinstance(body['settings'], dict):
            raise validation_error('settings', 'settings must be an object.')
        for key, value in body['settings'].items():
            if key in SETTING_TYPES[kind]:
                _check_setting(kind, key, value)
        if isinstance(body['settings'].get('global_dial_in_countries'), list):
            dialin.check_countries(body['settings']['global_dial_in_countries'])


def _known_settings(kind, settings):
    return {k: copy.deepcopy(v) for k, v in settings.items() if k in SETTING_TYPES[kind]}


def set_password(obj, pwd, base_url, kind):
    obj['password'] = pwd
    obj['h323_password'] = obj['pstn_password'] = ids.numeric_password(obj['id'], pwd) if pwd else ''
    obj['encrypted_password'] = ids.encrypted_password(obj['id'], pwd)
    set_join_url(obj, base_url, kind)


def set_registration_url(obj, base_url, kind):
    """Meetings with registration (approval_type 0 or 1) carry the registration page's URL; others none.

    Recurring meetings and webinars with no fixed time (types 3, 6) take no registrations whatever their
    approval_type (Zoom's registrant calls answer them "Registration has not been enabled", see registrants.py).
    """
    if obj['settings'].get('approval_type') in (0, 1) and obj['type'] not in (3, 6):
        token = ids.registration_token(obj['uuid'])
        obj['registration_url'] = (f'{base_url}/meeting/register/{token}' if kind == MEETING
                                   else f'{base_url}/webinar/register/WN_{token}')
    else:
        obj.pop('registration_url', None)


def set_join_url(obj, base_url, kind):
    # Webinar links use /w/ so a converted meeting visibly gets a new join_url.
    path = 'j' if kind == MEETING else 'w'
    pwd = obj.get('encrypted_password')
    obj['join_url'] = f'{base_url}/{path}/{obj["id"]}' + (f'?pwd={pwd}' if pwd else '')


def new_object(kind, body, obj_id, host, scheduler, base_url):
    """Build a meeting or webinar from an already validated create body."""
    obj_type = body.get('type', DEFAULT_TYPE[kind])
    tz = body.get('timezone') or host.get('timezone') or 'UTC'
    obj = {
        'uuid': ids.meeting_uuid(), 'id': obj_id, 'host_id': host['id'], 'host_email': host['email'],
    }
    if scheduler is not None and scheduler['id'] != host['id']:
        obj['assistant_id'] = scheduler['id']
    obj['topic'] = body.get('topic') or ('Zoom Meeting' if kind == MEETING else 'Zoom Webinar')
    obj['type'] = obj_type
    if kind == MEETING:
        obj['status'] = 'waiting'
    if obj_type in SCHEDULED_TYPES:
        obj['start_time'] = (parse_start_time(body['start_time'], tz) if body.get('start_time')
                             else ids.iso(ids.now()))
    obj['duration'] = body.get('duration', 60)
    obj['timezone'] = tz
    obj['agenda'] = body.get('agenda', '')
    obj['created_at'] = ids.iso(ids.now())
    obj['start_url'] = f'{base_url}/s/{obj_id}?zak={ids.zak()}'
    set_password(obj, body['password'] if 'password' in body else ids.password(), base_url, kind)
    for key in ('recurrence', 'tracking_fields'):
        if key in body:
            obj[key] = copy.deepcopy(body[key])
    settings = copy.deepcopy(MEETING_SETTINGS if kind == MEETING else WEBINAR_SETTINGS)
    if kind == WEBINAR:
        settings['contact_name'] = f'{host.get("first_name", "")} {host.get("last_name", "")}'.strip()
        settings['contact_email'] = host['email']
    settings.update(_known_settings(kind, body.get('settings', {})))
    dialin.fill(settings)
    obj['settings'] = settings
    set_registration_url(obj, base_url, kind)
    if kind == MEETING and settings.get('use_pmi'):
        obj['pmi'] = host['pmi']  # the meeting is held in the host's personal meeting room
    if kind == MEETING:
        obj['pre_schedule'] = False
    else:
        obj['is_simulive'] = False
    return obj


def apply_update(obj, kind, body, base_url):
    """Merge a validated PATCH body (top-level fields, then settings key by key). Host changes are done by the caller.

    Returns {field: (old, new)} for the fields that changed, with settings as {'settings': {key: (old, new)}}.
    """
    changes = {}

    def put(key, value):
        old = obj.get(key)
        if old != value:
            changes[key] = (old, value)
        obj[key] = value

    for key in ('topic', 'agenda', 'duration', 'timezone', 'recurrence', 'tracking_fields'):
        if key in body:
            put(key, copy.deepcopy(body[key]))
    if 'type' in body:
        put('type', body['type'])
        if body['type'] not in SCHEDULED_TYPES:
            obj.pop('start_time', None)
        elif 'start_time' not in obj and 'start_time' not in body:
            obj['start_time'] = ids.iso(ids.now())
    if body.get('start_time') and obj['type'] in SCHEDULED_TYPES:
        put('start_time', parse_start_time(body['start_time'], obj['timezone']))
    if 'password' in body and body['password'] != obj.get('password'):
        changes['password'] = (obj.get('password'), body['password'])
        set_password(obj, body['password'], base_url, kind)
    setting_changes = {}
    for key, value in _known_settings(kind, body.get('settings', {})).items():
        old = obj['settings'].get(key)
        if old != value:
            setting_changes[key] = (old, value)
        obj['settings'][key] = value
    if setting_changes:
        changes['settings'] = setting_changes
    dialin.fill(obj['settings'])
    set_registration_url(obj, base_url, kind)
    return changes


def convert(obj, from_kind, base_url):
    """Turn a meeting into a webinar or back, keeping id, uuid, host, topic, times and passcode."""
    to_kind = WEBINAR if from_kind == MEETING else MEETING
    new = copy.deepcopy(obj)
    new['type'] = CONVERTED_TYPE[from_kind][obj['type']]
    if new['type'] not in SCHEDULED_TYPES:
        new.pop('start_time', None)
    elif 'start_time' not in new:
        new['start_time'] = ids.iso(ids.now())
    settings = copy.deepcopy(MEETING_SETTINGS if to_kind == MEETING else WEBINAR_SETTINGS)
    settings.update(_known_settings(to_kind, obj['settings']))
    dialin.fill(settings)
    new['settings'] = settings
    set_registration_url(new, base_url, to_kind)
    if to_kind == WEBINAR:
        new.pop('status', None)
        new.pop('pre_schedule', None)
        new['is_simulive'] = False
    else:
        new.pop('is_simulive', None)
        new['status'] = 'waiting'
        new['pre_schedule'] = False
    set_join_url(new, base_url, to_kind)
    return new, to_kind
