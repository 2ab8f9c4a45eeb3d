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

from indico.web.flask.templating import get_template_module

from indico_vc_zoom.compat import BUTTON_CLASSES, EVENT_TOOLBAR
from indico_vc_zoom.protection import join_link_access
from indico_vc_zoom.request_cache import request_cached, request_user


def _macros():
    return request_cached(('event page macros',), lambda: get_template_module('vc_zoom:event_page.html'))


def _access(event_vc_room):
    # both hooks of a row ask; nothing they show can change between the two calls of one page rendering
    user = request_user()
    return request_cached(('event page access', user, event_vc_room), lambda: join_link_access(user, event_vc_room))


def event_buttons(plugin, vc_room, event_vc_room, access=None):
    """The join button (or the restricted / deleted state) of one meeting row."""
    return _macros().event_buttons(plugin, vc_room, event_vc_room, access or _access(event_vc_room), EVENT_TOOLBAR,
                                   BUTTON_CLASSES)


def info_box(plugin, vc_room, event_vc_room, event, access=None):
    """The expandable details of one meeting row: join details, dial-in, live status and published recordings."""
    return _macros().info_box(plugin, vc_room, event_vc_room, event, access or _access(event_vc_room))
