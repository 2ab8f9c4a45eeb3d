"""E-mails about Zoom meetings, sent the way Indico's VC module sends its own (host and admins in copy)."""

from indico.core.notifications import make_email, send_email
from indico.modules.vc.util import get_linked_to_description
from indico.util.user import principal_from_identifier
from indico.web.flask.templating import get_template_module

from indico_vc_zoom.i18n import N_, _


def host_emails(vc_room):
    emails = set()
    if vc_room.data.get('host'):
        host = principal_from_identifier(vc_room.data['host'])
        if host is not None:
            emails.add(host.email)
    return emails


def _send(plugin, action, event, vc_room, template, user=None):
    to_list = {user.email} if user else set()
    cc_list = plugin.get_notification_cc_list(action, vc_room, event) - to_list
    bcc_list = plugin.get_notification_bcc_list(action, vc_room, event) - cc_list - to_list
    if not to_list:
        to_list, cc_list = cc_list or bcc_list, set()
        bcc_list -= to_list
    if not to_list:
        return
    email = make_email(to_list, cc_list, bcc_list, template=template, html=True)
    send_email(email, event, plugin.friendly_name)


#: the keys of an edit's log data, as the e-mail names them (translated there)
CHANGE_LABELS = (N_('Changed'), N_('New host'), N_('Alternative hosts'))


def notify_modified(plugin, vc_room, event, user, changes):
    changes = {str(_(key)) if key in CHANGE_LABELS else key: value for key, value in changes.items()}
    tpl = get_template_module('vc_zoom:emails/modified.html', plugin=plugin, vc_room=vc_room, event=event,
                              user=user, changes=changes)
    _send(plugin, 'modify', event, vc_room, tpl, user)


def notify_attached(plugin, vc_room, event_vc_room, event, user):
    tpl = get_template_module('vc_zoom:emails/attached.html', plugin=plugin, vc_room=vc_room, event=event,
                              user=user, linked_to_title=get_linked_to_description(event_vc_room))
    _send(plugin, 'attach', event, vc_room, tpl, user)


def notify_detached(plugin, vc_room, event_vc_room, event, user):
    tpl = get_template_module('vc_zoom:emails/detached.html', plugin=plugin, vc_room=vc_room, event=event,
                              user=user, linked_to_title=get_linked_to_description(event_vc_room))
    _send(plugin, 'detach', event, vc_room, tpl, user)


def notify_remote_deleted(plugin, vc_room, events):
    """Zoom told us the meeting was deleted on its side: tell the managers of every event using it."""
    for event in events:
        managers = {p.principal.email for p in event.acl_entries
                    if p.has_management_permission() and p.type.name == 'user'}
        if event.creator:
            managers.add(event.creator.email)
        tpl = get_template_module('vc_zoom:emails/remote_deleted.html', plugin=plugin, vc_room=vc_room, event=event)
        to_list = managers
        bcc_list = plugin.get_notification_bcc_list('delete', vc_room, event) - to_list
        if not to_list:
            to_list, bcc_list = bcc_list, set()
        if to_list:
            send_email(make_email(to_list, set(), bcc_list, template=tpl, html=True), event, plugin.friendly_name)
