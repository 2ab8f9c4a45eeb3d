"""A meeting's join secrets kept out of its name and description: finding them, refusing and redacting them.

The name and description of a meeting are shown to everyone who sees the meeting listed, also to those who may not
see its join link; so they may never hold the meeting's own join URL, its ``pwd`` value, its passcode (also the
phone one), its start URL (a ``zak`` token) or its Zoom ID / any link to it (the passcode-less link in disguise).
A manager's text that holds one is refused (:func:`found_secrets`); text arriving from Zoom is stored redacted
(:func:`redact_zoom_text`) and the event log says so.
"""

import re
from functools import partial
from urllib.parse import parse_qsl, urlsplit

from babel.lists import format_list
from indico.modules.logs.models.entries import EventLogRealm, LogKind
from indico.util.i18n import get_current_locale

from indico_vc_zoom.event_log import SERVICE
from indico_vc_zoom.i18n import N_, _


#: what replaces a secret in text copied from Zoom
REDACTED = '[removed: join details]'
#: regex group -> what it is, for messages and the event log (also the order in which they are tried)
#: (English in the event log, translated in messages: ``_(kind)``)
SECRET_KINDS = {'start': N_('a start URL'), 'join': N_('the join link'),
                'link': N_('a link to the meeting or its Zoom ID'), 'passcode': N_('the passcode')}
# a URL-like run of characters: whole links are removed, not just the part that gave them away
_TOKEN = r'[^\s<>"\'()\[\]]*'


def _pwd_values(url):
    if not url:
        return []
    return [v for k, v in parse_qsl(urlsplit(url).query, keep_blank_values=True) if k == 'pwd' and v]


def _zoom_id_pattern(zoom_id):
    # Zoom writes meeting IDs grouped ("812 3456 7890"); any spacing or dashes between the digits count
    digits = str(zoom_id or '')
    if not digits.isdigit():
        return None
    return r'(?<!\d)' + r'[ \-.]?'.join(digits) + r'(?!\d)'


def _any_of(values):
    return '|'.join(re.escape(v) for v in sorted(values, key=len, reverse=True))


def secrets_pattern(zoom_id=None, passcodes=(), join_urls=()):
    """One regex matching every secret of a meeting: its start URLs, join links, Zoom ID and passcodes."""
    passcodes = {p for p in passcodes if p}
    pwds = {v for url in join_urls for v in _pwd_values(url)}
    parts = [rf'(?P<start>{_TOKEN}zak={_TOKEN})']
    if pwds:
        parts.append(rf'(?P<join>{_TOKEN}(?:{_any_of(pwds)}){_TOKEN})')
    if id_pattern := _zoom_id_pattern(zoom_id):
        parts.append(rf'(?P<link>{_TOKEN}{id_pattern}{_TOKEN})')
    if passcodes:
        parts.append(f'(?P<passcode>{_any_of(passcodes)})')
    return re.compile('|'.join(parts))


def stored_secrets_pattern(data, passcode=None):
    """The secrets of the meeting whose ``vc_room.data`` is ``data``, plus a new ``passcode`` (e.g. of a form)."""
    return secrets_pattern(data.get('zoom_id'), [data.get('password'), (data.get('zoom') or {}).get('password'),
                                                 _phone_passcode(data), passcode], [data.get('join_url')])


def _phone_passcode(data):
    # Zoom's numeric phone passcode (dialin.py) differs from the passcode when that one is not all digits
    return (data.get('dial_in') or {}).get('passcode')


def found_secrets(text, pattern):
    """What kinds of secrets ``text`` holds, in :data:`SECRET_KINDS` order (empty: none)."""
    if not text:
        return []
    kinds = {match.lastgroup for match in pattern.finditer(text)}
    return [label for kind, label in SECRET_KINDS.items() if kind in kinds]


def refusal_message(field_label, kinds):
    locale = get_current_locale()
    # English writes the field's name in lower case mid-sentence; other languages quote it as labelled
    field = field_label.lower() if locale.language == 'en' else field_label
    secrets = format_list([_(kind) for kind in kinds], locale=locale)
    return _('The {field} contains {secrets} of this meeting. Remove it: the {field} is shown to people who may not '
             'see the join link.').format(field=field, secrets=secrets)


def redact(text, pattern):
    """``(text with every secret replaced by REDACTED, kinds found)``."""
    kinds = found_secrets(text, pattern)
    return (pattern.sub(REDACTED, text) if kinds else text), kinds


def redact_zoom_text(vc_room, meeting, on_redacted=None):
    """``meeting`` (a Zoom meeting object, maybe partial) with its topic and agenda redacted.

    The secrets are those stored and those ``meeting`` itself brings (a new passcode or join link). Logged when the
    text to store changes: Zoom keeps its own copy, which every later refresh brings again. ``on_redacted(summary,
    data)`` receives the log entry instead where the caller writes its log rows itself (webhooks, in one batch);
    by default it goes to the log of each event the room is linked to.
    """
    fields = {'topic': 'name', 'agenda': 'description'}
    stored = {'name': vc_room.name, 'description': vc_room.data.get('description')}
    if not any(isinstance(meeting.get(key), str) for key in fields):
        return meeting
    data = vc_room.data
    pattern = secrets_pattern(meeting.get('id') or data.get('zoom_id'),
                              [data.get('password'), meeting.get('password'), _phone_passcode(data),
                               meeting.get('pstn_password'), meeting.get('h323_password')],
                              [data.get('join_url'), meeting.get('join_url')])
    cleaned = dict(meeting)
    removed = {}
    for key, label in fields.items():
        if isinstance(meeting.get(key), str):
            cleaned[key], kinds = redact(meeting[key], pattern)
            if kinds and cleaned[key] != stored[label]:
                removed[label] = ', '.join(kinds)
    if removed:
        name = cleaned.get('topic') or vc_room.name
        summary = f'Zoom meeting "{name}": join details removed from the text copied from Zoom'
        log_data = {f'Removed from the {field}': kinds for field, kinds in removed.items()}
        (on_redacted or partial(_log_redacted, vc_room))(summary, log_data)
    return cleaned


def _log_redacted(vc_room, summary, log_data):
    events = sorted({a.event for a in vc_room.events if a.event is not None and not a.event.is_deleted},
                    key=lambda e: e.id)
    for event in events:
        event.log(EventLogRealm.management, LogKind.change, 'Videoconference', summary, None,
                  data={'Service': SERVICE, 'Zoom ID': vc_room.data.get('zoom_id'), **log_data})
