"""The plugin's own gettext domain (``translations/``): every user-visible text of the plugin goes through it.

Python code imports ``_`` (and ``ngettext``) from here, never Indico's ``indico.util.i18n._``, whose domain holds
only Indico's own texts. Templates rendered through the ``vc_zoom:`` namespace use this domain by themselves (Indico
renders them in the plugin's context). Outside a request the functions return lazy strings, translated when shown.
Also here: times and durations written for people, in the event's time zone and the user's language.
"""

import json
import re

from babel.lists import format_list
from babel.units import format_unit
from indico.util.date_time import format_datetime, format_time
from indico.util.i18n import get_current_locale, make_bound_gettext, make_bound_ngettext


_ = make_bound_gettext('vc_zoom')
ngettext = make_bound_ngettext('vc_zoom')


def format_minutes(minutes):
    """A duration in words ("1 hour, 12 minutes"; "1 heure et 12 minutes"), from the CLDR data of the user's locale."""
    locale = get_current_locale()
    hours, minutes = divmod(int(minutes), 60)
    parts = []
    if hours:
        parts.append(format_unit(hours, 'duration-hour', length='long', locale=locale))
    if minutes or not hours:
        parts.append(format_unit(minutes, 'duration-minute', length='long', locale=locale))
    return format_list(parts, style='unit', locale=locale)


def local_datetime(dt, tzinfo, format='long'):
    """A date and time for people: in ``tzinfo`` (the event's time zone) and the user's language; the long
    format names the time zone."""
    return format_datetime(dt, format, timezone=tzinfo)


def local_time(dt, tzinfo):
    """A time of day for people, in ``tzinfo`` and the user's language."""
    return format_time(dt, timezone=tzinfo)


def N_(text):  # noqa: N802 (gettext's name for it)
    """Mark ``text`` for extraction only; it is translated where it is shown, with ``_(text)``."""
    return text


_SCRIPT_TEXT_RE = re.compile(r"""\bgettext\('((?:[^'\\]|\\.)*)'\)""")


def script_gettext(script):
    """A JavaScript ``gettext`` function for ``script``: its ``gettext('…')`` texts translated (as JSON)."""
    texts = {text: str(_(text)) for text in _SCRIPT_TEXT_RE.findall(script)}
    # </ in the JSON could end the inline <script>: escape it the way JSON allows
    table = json.dumps(texts, ensure_ascii=False).replace('</', '<\\/')
    return f'(function(table) {{ return function(text) {{ return table[text] || text; }}; }})({table})'
