"""Where Indico 3.2 and 3.3 differ for this plugin: each difference is handled here, once, and says what differs.

Everything else in the package is written against what both lines share. The differences that matter:

- **Look of the VC pages.** Indico 3.3 draws the event page's videoconference list, the conference home box and
  the management toolbar with Semantic UI (``ui button``); 3.2 uses its legacy ``i-button`` toolbars. The plugin's
  buttons take their classes from :data:`BUTTON_CLASSES` so they match the page they are on, and the event page's
  buttons sit in the toolbar Indico's ``vc/event_buttons.html`` of the line draws (:data:`EVENT_TOOLBAR`).
- **Association hooks.** Indico 3.3 expects ``update_data_association`` to return whether the linked object changed
  (it then sends ``vc_room_attached``/``vc_room_detached``); 3.2 ignores the return value. We always return it.
- **Detaching.** 3.3 has a ``detach_room`` hook and ``vc.vc_room_detached`` signal, 3.2 neither: the plugin follows
  detaching through the SQLAlchemy ``remove`` event of ``VCRoom.events``, which both lines fire, so it needs no
  per-line code (see ``rooms.detached``).
- **The registration page.** 3.3 has a template hook in the registration summary
  (``before-render-registration-info``, a table row, also on the managers' registration details); 3.2 has none
  there, so the registrant's personal Zoom link goes into the event header's toolbar hook (``url-shortener``),
  which every event page renders (the plugin shows it on the registration page only). See
  ``registration/personal_links.py``.
- **Eager Celery tasks.** Indico runs tasks eagerly in its tests (``task_always_eager``); Celery 5.6 (Indico 3.3)
  marks such a run in ``task.request.is_eager``, the Celery of Indico 3.2 does not. :func:`is_eager_run` asks both.
"""

from indico import __version__ as indico_version


def _line(version):
    major, minor = (int(part) for part in version.split('.')[:2])
    return major, minor


#: the Indico line this process runs on, e.g. ``(3, 3)``
INDICO_LINE = _line(indico_version)
INDICO_33 = INDICO_LINE >= (3, 3)

#: CSS classes of the plugin's buttons, by the page they are on
BUTTON_CLASSES = {
    'join': 'ui small primary button' if INDICO_33 else 'i-button highlight icon-play',  # event pages
    'join_small': 'ui mini primary button' if INDICO_33 else 'i-button i-button-small highlight icon-play',  # timetable
    'disabled': 'ui small disabled button' if INDICO_33 else 'i-button disabled',
    'restricted': 'ui small disabled button' if INDICO_33 else 'i-button disabled icon-lock',
    'manage': 'ui mini button' if INDICO_33 else 'i-button icon-play',  # management toolbar
    'action': 'ui mini button' if INDICO_33 else 'i-button',  # management toolbar, text only (alternative host)
    'copy': 'ui mini icon button' if INDICO_33 else 'i-button icon-link',
    # 3.3's icon buttons carry an <i> icon; 3.2's i-button draws it from its class
    'copy_icon': '<i class="linkify icon"></i>' if INDICO_33 else '',
}

#: the template hook that shows a registrant their personal Zoom link on the registration page
REGISTRATION_SUMMARY_HOOK = 'before-render-registration-info' if INDICO_33 else 'url-shortener'


def is_eager_run(task):
    """Whether a bound task runs eagerly (in the caller's process, as in tests): it cannot wait for a retry."""
    return bool(task.request.is_eager or task.app.conf.task_always_eager)

#: the wrapper of the event page's buttons, as Indico's ``vc/event_buttons.html`` draws it: 3.2 a toolbar with a
#: button group, 3.3 a plain right-floated div (the plugin draws it itself, see ``event_page.py``)
EVENT_TOOLBAR = ({'classes': 'event-service-toolbar right', 'group': False} if INDICO_33
                 else {'classes': 'event-service-toolbar vc-toolbar toolbar right', 'group': True})
