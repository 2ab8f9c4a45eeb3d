"""Telephone dial-in: what Zoom tells phone participants, kept with the meeting and written for people.

Zoom's meeting object carries the dial-in numbers (``settings.global_dial_in_numbers``), the numeric meeting ID
and the numeric phone passcode (``pstn_password``). They are stored in ``vc_room.data['dial_in']`` whenever a
meeting object arrives from Zoom (create, refresh, webhook), never fetched for a page view. They let anyone join,
so only :mod:`protection` hands them out, with exactly the join link's decision.
"""

from dataclasses import dataclass, replace

from indico_vc_zoom.i18n import _
from indico_vc_zoom.settings import zoom_settings


#: Zoom's grouping of meeting IDs by length ("812 3456 7890"); other lengths are shown as they are
ID_GROUPS = {9: (3, 3, 3), 10: (3, 3, 4), 11: (3, 4, 4)}


def format_meeting_id(meeting_id):
    """The meeting ID grouped as Zoom writes it for people: ``81234567890`` -> ``812 3456 7890``."""
    digits = str(meeting_id)
    groups = ID_GROUPS.get(len(digits))
    if not digits.isdigit() or not groups:
        return digits
    parts, start = [], 0
    for size in groups:
        parts.append(digits[start:start + size])
        start += size
    return ' '.join(parts)


@dataclass(frozen=True)
class DialInNumber:
    """One number to call, as Zoom lists it."""

    #: Zoom's country name ("Switzerland"; Zoom writes "US") and ISO code
    country: str
    country_code: str
    city: str
    number: str
    toll_free: bool

    @property
    def label(self):
        """``Switzerland (Zurich)``, ``US (toll-free)``, or just the country."""
        where = 'toll-free' if self.toll_free else self.city
        return f'{self.country} ({where})' if where else self.country


@dataclass(frozen=True)
class DialIn:
    """What a phone participant needs: numbers, the meeting ID and (where the viewer may have it) the passcode."""

    meeting_id: str
    numbers: tuple
    #: the numeric phone passcode; ``None`` when the viewer may not have it (or the meeting has none)
    passcode: str | None = None

    @property
    def display_id(self):
        return format_meeting_id(self.meeting_id)

    def without_passcode(self):
        return replace(self, passcode=None)

    def tel(self, number):
        """A ``tel:`` link that dials the number, then the meeting ID and passcode (Zoom's "one tap mobile")."""
        digits = '+' + ''.join(c for c in number.number if c.isdigit())
        passcode = f',,,,*{self.passcode}#' if self.passcode else ''
        return f'tel:{digits},,{self.meeting_id}#{passcode}'

    def text_lines(self):
        """The dial-in details as plain text (iCal descriptions)."""
        lines = [str(_('Join by phone:')), *(f'  {number.label}: {number.number}' for number in self.numbers),
                 '  ' + _('Meeting ID: {id}').format(id=self.display_id)]
        if self.passcode:
            lines.append('  ' + _('Phone passcode: {passcode}').format(passcode=self.passcode))
        return lines

    def as_api_dict(self):
        return {'meeting_id': self.meeting_id, 'passcode': self.passcode,
                'numbers': [{'country': number.country_code, 'country_name': number.country, 'city': number.city,
                             'number': number.number, 'type': 'tollfree' if number.toll_free else 'toll'}
                            for number in self.numbers]}


def _number(entry):
    return {'country': entry.get('country') or '', 'country_name': entry.get('country_name') or '',
            'city': entry.get('city') or '', 'number': entry['number'], 'type': entry.get('type') or 'toll'}


def phone_passcode(meeting, stored_passcode, stored_phone_passcode):
    """The phone passcode after ``meeting`` (maybe partial) arrived.

    Zoom sends ``pstn_password`` with full meeting objects. A webhook may bring only a new ``password``: an
    all-digit passcode is also the phone passcode; for another one the phone passcode is unknown (``None``) until
    the next full object, rather than a stale one that lets nobody in.
    """
    for key in ('pstn_password', 'h323_password'):
        if isinstance(meeting.get(key), str):
            return meeting[key]
    password = meeting.get('password')
    if not isinstance(password, str) or password == stored_passcode:
        return stored_phone_passcode
    return password if password.isdigit() or not password else None


def store_dial_in(data, meeting):
    """Keep what ``meeting`` (a Zoom meeting object, maybe partial) says about dial-in in ``data['dial_in']``.

    Call it before ``data['password']`` takes the meeting's new passcode.
    """
    stored = dict(data.get('dial_in') or {})
    if 'id' in meeting:
        stored['meeting_id'] = str(meeting['id'])
    settings = meeting.get('settings') if isinstance(meeting.get('settings'), dict) else {}
    countries = settings.get('global_dial_in_countries')
    numbers = settings.get('global_dial_in_numbers')
    if isinstance(numbers, list):
        stored['numbers'] = [_number(entry) for entry in numbers if isinstance(entry, dict) and entry.get('number')]
    elif isinstance(countries, list) and countries != stored.get('countries'):
        stored['numbers'] = None  # other countries, numbers not given (a webhook): unknown until fetched
    if isinstance(countries, list):
        stored['countries'] = countries
    stored['passcode'] = phone_passcode(meeting, data.get('password'), stored.get('passcode'))
    if stored.get('meeting_id') and 'numbers' in stored:
        data['dial_in'] = stored


def dial_in_stale(data):
    """Whether a partial Zoom object (a webhook) changed what phone participants need without giving the new
    value (the numbers of other countries, the phone passcode of a non-numeric passcode): one GET brings it."""
    stored = data.get('dial_in')
    return bool(stored) and (stored.get('numbers') is None or (stored.get('passcode') is None
                                                               and bool(data.get('password'))))


def follow_passcode(data, password):
    """A passcode set from Indico (digits only, see forms.py) is also the phone passcode."""
    if data.get('dial_in'):
        data['dial_in']['passcode'] = password if password.isdigit() else None


def dial_in_of(data):
    """The full dial-in details of a meeting (its ``vc_room.data``), or ``None`` when switched off or unknown."""
    stored = data.get('dial_in') or {}
    if not zoom_settings.get('show_dial_in') or not stored.get('meeting_id') or not stored.get('numbers'):
        return None
    numbers = tuple(DialInNumber(country=entry['country_name'] or entry['country'], country_code=entry['country'],
                                 city=entry['city'], number=entry['number'], toll_free=entry['type'] == 'tollfree')
                    for entry in stored['numbers'])
    return DialIn(meeting_id=stored['meeting_id'], numbers=numbers, passcode=stored.get('passcode') or None)
