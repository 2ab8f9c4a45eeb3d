"""Where a registrant sees their personal Zoom link besides the event page: the registration page and e-mails.

- **Registration page** (the summary a logged-in registrant sees): Indico 3.3 renders the template hook
  ``before-render-registration-info`` in the summary table (also on the managers' registration details); Indico 3.2
  has no hook there, so the link goes into the event header's toolbar hook (``url-shortener``) on that page only.
  Either way only for the registration's own user, or a manager of the event.
- **E-mails.** Indico's registration e-mails to the registrant (``before_notification_send``, sender
  ``notify-registration``, on both lines) carry the link when it exists at that moment. The e-mail sent when
  someone registers is sent before the background sync asked Zoom, so it cannot have the link; rather than delay
  Indico's e-mail or hold the request for Zoom, the sync e-mails the registrant once Zoom gave them a link (a new
  registrant, or a new link after a changed e-mail or name): one e-mail, to that registration's address only.
"""

from flask import request, session
from indico.core.notifications import make_email, send_email
from indico.modules.events.registration.models.registrations import Registration
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation, VCRoomStatus
from indico.web.flask.templating import get_template_module
from markupsafe import Markup

from indico_vc_zoom.compat import REGISTRATION_SUMMARY_HOOK
from indico_vc_zoom.registration.config import is_registration_mode
from indico_vc_zoom.registration.links import registration_join_url


def personal_links(registration):
    """``[(vc_room, join_url)]``: the registration's own links, for the meetings of its event in registration mode."""
    if registration is None or not registration.is_active:
        return []
    links = []
    seen = set()
    for assoc in VCRoomEventAssociation.find_for_event(registration.event, include_hidden=True):
        vc_room = assoc.vc_room
        if vc_room.type != 'zoom' or vc_room.status == VCRoomStatus.deleted or vc_room.id in seen \
                or not is_registration_mode(vc_room):
            continue
        seen.add(vc_room.id)
        if url := registration_join_url(registration, vc_room):
            links.append((vc_room, url))
    return links


def may_see(user, registration):
    """The registrant (logged in as the registration's user) and the event's managers."""
    if user is None:
        return False
    return registration.user_id == user.id or registration.event.can_manage(user)


def connect(plugin):
    plugin.template_hook(REGISTRATION_SUMMARY_HOOK, _render_summary_hook)
    from indico.core import signals
    plugin.connect(signals.core.before_notification_send, _add_to_registration_email, sender='notify-registration')


def _render_summary_hook(registration=None, event=None, **kwargs):
    if registration is None:
        # Indico 3.2: the event header's hook, on the registration page only
        if event is None or request.endpoint != 'event_registration.display_regform' or not session.user:
            return None
        regform = event.registration_forms and next(
            (f for f in event.registration_forms if f.id == request.view_args.get('reg_form_id')), None)
        registration = regform.get_registration(user=session.user) if regform else None
        if registration is None:
            return None
        template = 'vc_zoom:registration_header_link.html'
    else:
        template = 'vc_zoom:registration_summary_link.html'
    if not may_see(session.user, registration):
        return None
    links = personal_links(registration)
    if not links:
        return None
    return get_template_module(template).render_links(links)


def _add_to_registration_email(sender, email, registration, to_managers=False, **kwargs):
    if to_managers or not email.get('html'):
        return
    links = personal_links(registration)
    if links:
        email['body'] = Markup(email['body']) + get_template_module(
            'vc_zoom:emails/_registrant_links.html').render_block(links)


def send_link_email(vc_room, registration_id, join_url):
    """The follow-up e-mail of a new personal link, to that registration's address only."""
    registration = Registration.get(registration_id)
    if registration is None or not registration.is_active:
        return
    event = registration.event
    with event.force_event_locale(registration.user):
        tpl = get_template_module('vc_zoom:emails/registrant_link.html', registration=registration, event=event,
                                  vc_room=vc_room, join_url=join_url)
        email = make_email(to_list={registration.email}, template=tpl, html=True)  # sender: Indico's default
    send_email(email, event, 'Zoom', log_metadata={'registration_id': registration.id})
