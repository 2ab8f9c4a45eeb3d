"""Join details outside the VC pages (iCal files, also those in e-mails; HTTP API), all decided by protection.py.

Indico itself never puts VC data into iCal files or the HTTP API; both offer ``signals.event.metadata_postprocess``
(senders ``'ical-export'`` and ``'http-api'``) with the user the data is generated for. The iCal files attached to
reminders and registration e-mails come from the same code with ``user=None``: recipient unknown, so they get only
what everyone may see.

Indico caches HTTP API answers (``cache_ttl``, 10 minutes by default; also answers to ``nc=yes`` requests are
stored) under a key of path, query and user id, and serves them without asking anyone again. Access changes since
(visibility, registrations, management, protection) cannot be seen in that key, so a cached answer must not carry
any join details: each API entry is a :class:`JoinDetailsEntry`, whose pickled form - what the Redis cache stores -
is the entry without them. Fresh answers carry what the requester may see now.
"""

from indico.core import signals
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation

from indico_vc_zoom import recordings
from indico_vc_zoom.i18n import _
from indico_vc_zoom.protection import get_visibility, join_link_access


#: the entry keys that depend on who asks and on the access state at the time of asking (the published recordings,
#: shared by the rule of the join link, included)
JOIN_DETAIL_KEYS = ('url', 'passcode', 'zoom_id', 'dial_in', 'recordings')


def connect(plugin):
    """Connect the plugin's signal handlers for the non-VC surfaces."""
    def _ical(sender, event, data, user=None, **kwargs):
        return ical_description_update(plugin, event, data, user)

    def _http_api(sender, event, data, user=None, **kwargs):
        return http_api_update(plugin, event, user)

    plugin.connect(signals.event.metadata_postprocess, _ical, sender='ical-export')
    plugin.connect(signals.event.metadata_postprocess, _http_api, sender='http-api')


def zoom_associations(plugin, event, user, only_linked_to_event=False):
    """``(association, access)`` of the shown, not deleted Zoom associations of ``event`` whose linked object (and
    event) ``user`` may access."""
    query = VCRoomEventAssociation.find_for_event(event, only_linked_to_event=only_linked_to_event)
    pairs = ((assoc, join_link_access(user, assoc)) for assoc in query if assoc.vc_room.type == plugin.service_name)
    return [(assoc, access) for assoc, access in pairs if access.linked_object_access]


def join_text_lines(vc_room, access):
    """Plain-text join details holding only what ``access`` allows (nothing at all if it allows nothing)."""
    lines = []
    if access.link:
        lines.append(_('Zoom meeting "{name}": {link}').format(name=vc_room.name, link=access.link))
    if access.passcode:
        lines.append(_('Passcode: {passcode}').format(passcode=access.passcode))
    if access.dial_in:
        lines += access.dial_in.text_lines()
    return lines


def recording_text_lines(assoc, user):
    """Plain-text lines of the published recordings ``user`` may see (``protection.recording_access``)."""
    return [line for recording, access in recordings.shown_recordings(user, assoc)
            for line in recordings.text_lines(recording, access, assoc.event)]


def ical_description_update(plugin, event, data, user):
    # only the event-wide meetings: the VEVENT is the whole event (contribution VEVENTs get no signal)
    blocks = ['\n'.join(lines) for assoc, access in zoom_associations(plugin, event, user, only_linked_to_event=True)
              if (lines := join_text_lines(assoc.vc_room, access) + recording_text_lines(assoc, user))]
    if not blocks:
        return None
    description = str(data.get('description') or '')
    return {'description': '\n\n'.join(filter(None, [description, *blocks]))}


class JoinDetailsEntry(dict):
    """An HTTP API ``videoconference`` entry that never reaches a cache with its join details.

    Indico stores API answers by pickling them (Redis); pickling (and copying) gives a plain dict without the
    join details and with ``cached: True``, so whatever Indico later serves from its cache holds no link, whoever
    asks and whatever changed meanwhile. The live answer is serialized from this object itself, unpickled.
    """

    def without_join_details(self):
        return {**{k: v for k, v in self.items() if k not in JOIN_DETAIL_KEYS}, 'url': None, 'passcode': None,
                'dial_in': None, 'recordings': None, 'cached': True}

    def __reduce_ex__(self, protocol):
        return dict, (self.without_join_details(),)


def http_api_update(plugin, event, user):
    entries = []
    for assoc, access in zoom_associations(plugin, event, user):
        entry = JoinDetailsEntry(
            service=plugin.service_name,
            name=assoc.vc_room.name,
            linked_to=assoc.link_type.name,
            linked_id=assoc.link_object.id,
            visible_to=get_visibility(assoc),
            url=access.link,
            passcode=access.passcode,
            dial_in=access.dial_in.as_api_dict() if access.dial_in else None,
            recordings=[recordings.api_dict(recording, recording_access)
                        for recording, recording_access in recordings.shown_recordings(user, assoc)],
            cached=False,
        )
        if access.link:
            # the meeting ID is the passcode-less link in disguise
            entry['zoom_id'] = assoc.vc_room.data.get('zoom_id')
        entries.append(entry)
    return {'videoconference': entries} if entries else None
