"""The Zoom rows of the event page (and the conference home, the Videoconference and timetable pages): macros of one
template module per request instead of a template rendering per meeting.

Indico's ``vc/event_header.html`` (``list_vc_rooms.html``) loops over the meetings itself and calls, for each,
``plugin.render_event_buttons`` and ``plugin.render_info_box``. Indico's own versions of these hooks render a whole
template per call (Flask's ``render_template``: all context processors, the template lookup, ``extends
'vc/event_buttons.html'``, an include that imports the macros again), and each asked the join-link decision anew:
that was most of the page's time per meeting. The loop is core, so the plugin cannot remove it; it makes the work
inside it small: ``templates/event_page.html`` is made into a module once per request (context processors and
imports once) and each hook calls one of its macros, with the decision taken once per meeting for both hooks.
Indico's ``vc/event_buttons.html`` is drawn by the macro itself, as the Indico line draws it (``compat.py``),
its ``event-vc-extra-buttons`` hook included.
"""

from flask import current_app
from indico.core import signals
from indico.core.db import db
from indico.modules.vc.models.vc_rooms import VCRoomEventAssociation
from jinja2 import Template
from sqlalchemy.orm.attributes import set_committed_value

from indico_vc_zoom.compat import BUTTON_CLASSES, EVENT_TOOLBAR
from indico_vc_zoom.protection import join_link_access
from indico_vc_zoom.request_cache import request_cached, request_user


def _make_module():
    # What Indico's ``get_template_module`` does, but with Jinja's own ``make_module``: the plugin template class
    # wraps every macro in a plugin context, pushed and popped on each call (several per meeting). These macros
    # need none of their own: their texts are translated while the module is made, inside the plugin's context.
    context = {}
    current_app.update_template_context(context)
    return Template.make_module(current_app.jinja_env.get_template('vc_zoom:event_page.html'), context)


def _macros():
    return request_cached(('event page macros',), _make_module)


def _toolbar():
    # Indico's toolbar calls the ``event-vc-extra-buttons`` hook per meeting; asked only where some plugin listens
    def toolbar():
        hooked = signals.plugin.template_hook.has_receivers_for('event-vc-extra-buttons')
        return {**EVENT_TOOLBAR, 'extra_buttons_hook': hooked}
    return request_cached(('event page toolbar',), toolbar)


def _prime_links(event_vc_room):
    """Give the event's links in the session their event, once per request.

    Indico's list query loads the links without their event, so each row's first ``link.event`` (the join-link
    decision, the run info) is a lazy load - served from the identity map, but through SQLAlchemy's loader, the
    dearest single step of a row. By the first row all links of the list are in the session: they get the event
    object the lazy load would return.
    """
    def prime():
        event = event_vc_room.event
        if event is None:
            return False
        for obj in list(db.session.identity_map.values()):
            if type(obj) is VCRoomEventAssociation and obj.event_id == event.id and 'event' not in obj.__dict__:
                set_committed_value(obj, 'event', event)
        return True
    request_cached(('event page links primed', event_vc_room.event_id), prime)


def _access(event_vc_room):
    # both hooks of a row ask; nothing they show can change between the two calls of one page rendering
    _prime_links(event_vc_room)
    user = request_user()
    return request_cached(('event page access', user, event_vc_room), lambda: join_link_access(user, event_vc_room))


def event_buttons(plugin, vc_room, event_vc_room, access=None):
    """The join button (or the restricted / deleted state) of one meeting row."""
    return _macros().event_buttons(plugin, vc_room, event_vc_room, access or _access(event_vc_room), _toolbar(),
                                   BUTTON_CLASSES)


def info_box(plugin, vc_room, event_vc_room, event, access=None):
    """The expandable details of one meeting row: join details, dial-in, live status and published recordings."""
    return _macros().info_box(plugin, vc_room, event_vc_room, event, access or _access(event_vc_room))
