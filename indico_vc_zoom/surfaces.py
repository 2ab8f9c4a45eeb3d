"""Join details outside the VC pages (iCal files, also those in e-mails; HTTP API), all decided by protection.py.

Indico itself never puts VC data into iCal files or the HTTP API; both offer ``signals.event.metadata_postprocess``
(senders ``'ical-export'`` and ``'http-api'``) with the user the data is generated for. The iCal files attached to
reminders and registration e-mails come from the same code with ``user=None``: recipient unknown, so they get only
what everyone may see.
"""

from indico.core import signals
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation, VCRoomLinkType

from indico_vc_zoom.protection import get_visibility, join_link_access


def connect(plugin):
    """Connect the plugin's signal handlers for the non-VC surfaces."""
    def _ical(sender, event, data, user=None, **kwargs):
        return ical_description_update(plugin, event, data, user)

    def _http_api(sender, event, data, user=None, **kwargs):
        return http_api_update(plugin, event, user)

    plugin.connect(signals.event.metadata_postprocess, _ical, sender='ical-export')
    plugin.connect(signals.event.metadata_postprocess, _http_api, sender='http-api')


def zoom_associations(plugin, event, user, only_linked_to_event=False):
    """The shown, not deleted Zoom associations of ``event`` whose linked object ``user`` may access."""
    query = VCRoomEventAssociation.find_for_event(event, only_linked_to_event=only_linked_to_event)
    return [assoc for assoc in query
            if assoc.vc_room.type == plugin.service_name and
            (assoc.link_type == VCRoomLinkType.event or assoc.link_object.can_access(user))]


def join_text_lines(vc_room, access):
    """Plain-text join details holding only what ``access`` allows (nothing at all if it allows nothing)."""
    lines = []
    if access.link:
        lines.append(f'Zoom meeting "{vc_room.name}": {access.link}')
    if access.passcode:
        lines.append(f'Passcode: {access.passcode}')
    return lines


def ical_description_update(plugin, event, data, user):
    # only the event-wide meetings: the VEVENT is the whole event (contribution VEVENTs get no signal)
    blocks = ['\n'.join(lines) for assoc in zoom_associations(plugin, event, user, only_linked_to_event=True)
              if (lines := join_text_lines(assoc.vc_room, join_link_access(user, assoc)))]
    if not blocks:
        return None
    description = str(data.get('description') or '')
    return {'description': '\n\n'.join(filter(None, [description, *blocks]))}


def http_api_update(plugin, event, user):
    entries = []
    for assoc in zoom_associations(plugin, event, user):
        access = join_link_access(user, assoc)
        entry = {
            'service': plugin.service_name,
            'name': assoc.vc_room.name,
            'linked_to': assoc.link_type.name,
            'linked_id': assoc.link_object.id,
            'visible_to': get_visibility(assoc),
            'url': access.link,
            'passcode': access.passcode,
        }
        if access.link:
            # the meeting ID is the passcode-less link in disguise
            entry['zoom_id'] = assoc.vc_room.data.get('zoom_id')
        entries.append(entry)
    return {'videoconference': entries} if entries else None
