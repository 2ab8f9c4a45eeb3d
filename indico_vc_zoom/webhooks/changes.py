"""What a Zoom event changes in a room's data, computed on a working copy (never on a room of the session).

The copy is written back by :func:`records.write_room` in one statement; the session's own room (if loaded) is
only expired then, so nothing is flushed twice.
"""

import copy

from indico.modules.logs.models.entries import LogKind
from indico.modules.users.util import get_user_by_email
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomStatus

from indico_vc_zoom import meetings
from indico_vc_zoom.dialin import dial_in_stale
from indico_vc_zoom.event_log import SERVICE
from indico_vc_zoom.kinds import MEETING
from indico_vc_zoom.protection import strip_passcode
from indico_vc_zoom.webhooks.payloads import CONVERTED_TYPES, TYPES


def working_copy(record):
    """A transient room (never added to the session) holding a deep copy of the record's name and data."""
    return VCRoom(id=record.vc_room_id, type='zoom', status=VCRoomStatus.created, name=record.name,
                  data=copy.deepcopy(record.data))


def log_entries(record, kind, summary, data):
    """One log entry per linked event, as rows for :func:`records.insert_log_entries`."""
    data = {'Service': SERVICE, 'Zoom ID': record.data.get('zoom_id'), **data}
    return [(event_id, kind, summary, data) for event_id in record.event_ids]


def apply_host_email(room, email):
    """Follow a host change made on Zoom; the Indico host changes too if an Indico user has that e-mail.

    Returns how the new host is named in the log.
    """
    data = room.data
    if not email:
        data.pop('host_email', None)  # the old host's address would be wrong
        return data.get('zoom_host_id')
    data['host_email'] = email
    user = get_user_by_email(email)
    if user is None:
        return email
    data['host'] = data['host_applied'] = user.identifier
    return f'{user.full_name} ({email})'


class Update:
    """The effect of a ``*.updated`` or ``*.converted_*`` event on a working copy of one room.

    ``log`` is ``(kind, summary, data)`` or ``None`` (nothing the managers would see changed); ``fetch_meeting``
    and ``host_id`` say what a follow-up must get from Zoom because the payload lacks it.
    """

    def __init__(self, record, notification):
        self.room = room = working_copy(record)
        data = room.data
        fields = notification.fields
        old_kind = data.get('meeting_type', MEETING)
        old_password = data.get('password')
        old_host = data.get('zoom_host_id')
        old_type = data.get('zoom', {}).get('zoom_type')
        if (notification.action == 'converted' and 'type' not in fields
                and CONVERTED_TYPES.get(old_type) in TYPES[notification.kind]):
            fields = {**fields, 'type': CONVERTED_TYPES[old_type]}  # keep the stored type in line with the kind
        #: further log entries ``(kind, summary, data)``: join details removed from Zoom's text
        self.extra_logs = []
        meetings.store_zoom_meeting(room, fields, notification.kind,
                                    on_redacted=lambda summary, data: self.extra_logs.append((LogKind.change, summary,
                                                                                              data)))
        password_changed = 'password' in fields and fields['password'] != old_password
        # the stored join link embeds the old passcode (or the old kind): a follow-up GET gives the new one
        # (or the phone dial-in details are outdated: see dialin.py)
        self.fetch_meeting = (('join_url' not in fields and (password_changed or notification.kind != old_kind))
                              or dial_in_stale(data))
        if self.fetch_meeting and password_changed:
            # until then a stale pwd= would let nobody in; without it Zoom asks for the passcode
            data['join_url'] = strip_passcode(data.get('join_url'))
        self.host_id = None
        changed = sorted(k for k in fields if k not in ('uuid', 'join_url'))
        log_data = {'Changed on Zoom': ', '.join(changed) or '-'}
        new_host = data.get('zoom_host_id')
        if new_host and new_host != old_host:
            if fields.get('host_email'):
                log_data['New host'] = apply_host_email(room, fields['host_email'])
            else:
                data.pop('host_email', None)  # the old host's address would be wrong; the follow-up finds it
                log_data['New host'] = new_host
                self.host_id = new_host
        self.log = None
        if notification.action == 'converted':
            self.log = (LogKind.change,
                        f'Zoom {old_kind} "{room.name}" was converted to a {data["meeting_type"]} on Zoom', log_data)
        elif changed:
            self.log = (LogKind.change, f'Zoom {data["meeting_type"]} "{room.name}" was changed on Zoom', log_data)

    @property
    def needs_followup(self):
        return self.fetch_meeting or self.host_id is not None
