"""The Zoom app's scopes: what each feature needs, whether the configured app has it, and what to add if not.

Read from the token reply's ``scope``; where the token does not say (legacy JWT apps, or scopes of a kind this
module does not know), one harmless call per scope decides: it asks about an object that cannot exist, so Zoom
answers "not found" once the scope check has passed, and 4711 when it has not. Used by the settings page,
``indico zoom check`` and the error messages of actions that hit a missing scope.
"""

import hashlib
import json
from dataclasses import dataclass, field

from babel.lists import format_list
from indico.core.cache import make_scoped_cache
from indico.core.plugins import render_plugin_template
from indico.util.i18n import get_current_locale

from indico_vc_zoom.connection import get_client
from indico_vc_zoom.i18n import N_, _
from indico_vc_zoom.settings import CLIENT_SETTINGS, zoom_settings
from indico_vc_zoom.zoom.errors import ZoomAuthError, ZoomError, ZoomScopeMissing


#: probes ask about these: no Zoom meeting, webinar or user has them (``.invalid`` cannot be a real domain)
NO_SUCH_ID = 1
NO_SUCH_USER = 'indico-scope-check@example.invalid'
#: probe answers are kept this long (a legacy app's settings page would otherwise make its calls every time)
PROBE_TTL = 600
probe_cache = make_scoped_cache('vc-zoom-scope-probes')


@dataclass(frozen=True)
class Need:
    """One thing a feature does on Zoom, and the scopes that allow it (any one of them)."""

    #: what it does, for people (translated where shown: ``_(action)``)
    action: str
    #: the classic scope (Zoom's "admin" scopes of account-level apps)
    classic: str
    #: the granular scope for apps using Zoom's granular scopes, where its name is certain
    granular: str | None = None

    @property
    def accepted(self):
        # the user-level form (meeting:write) is what Zoom's 4711 names besides the admin one
        return frozenset(filter(None, (self.classic, self.classic.removesuffix(':admin'), self.granular)))

    def scope_to_add(self, granted):
        """The exact scope to add: the granular one for an app that uses granular scopes, else the classic one."""
        if self.granular and granted and any(_is_granular(scope) for scope in granted):
            return self.granular
        return self.classic


@dataclass(frozen=True)
class Feature:
    key: str
    title: str
    needs: tuple
    #: settings dict -> whether the plugin uses this feature with these settings
    in_use: object


#: the actions of each kind, for people (whole sentences: languages inflect the kind differently)
_KIND_ACTIONS = {
    'meeting': (N_('create meetings'), N_('read meetings'), N_('change meetings'), N_('delete meetings'),
                N_("list a host's meetings (after a create of unknown outcome)")),
    'webinar': (N_('create webinars'), N_('read webinars'), N_('change webinars'), N_('delete webinars'),
                N_("list a host's webinars (after a create of unknown outcome)")),
}


def _kind_needs(kind):
    create, read, change, delete, list_ = _KIND_ACTIONS[kind]
    return (Need(create, f'{kind}:write:admin', f'{kind}:write:{kind}:admin'),
            Need(read, f'{kind}:read:admin', f'{kind}:read:{kind}:admin'),
            Need(change, f'{kind}:write:admin', f'{kind}:update:{kind}:admin'),
            Need(delete, f'{kind}:write:admin', f'{kind}:delete:{kind}:admin'),
            Need(list_, f'{kind}:read:admin', f'{kind}:read:list_{kind}s:admin'))


def _uses_meeting_runs(settings):
    # attendance reports and recordings are fetched when Zoom's webhooks tell a meeting ended / was recorded
    return bool(settings.get('webhook_token'))


FEATURES = (
    Feature('meetings', N_('Meetings'),
            (*_kind_needs('meeting'),
             Need(N_("find a host's Zoom account"), 'user:read:admin', 'user:read:user:admin')),
            lambda settings: True),
    Feature('webinars', N_('Webinars'), _kind_needs('webinar'),
            lambda settings: bool(settings.get('allow_webinars'))),
    Feature('assistants', N_('Assistant account (scheduling for hosts)'),
            (Need(N_('make the assistant an assistant of each host'), 'user:write:admin'),),
            lambda settings: bool(settings.get('assistant_id'))),
    Feature('registrants', N_('Registrants'),
            (Need(N_('list registrants'), 'meeting:read:admin', 'meeting:read:list_registrants:admin'),
             Need(N_('register and approve people'), 'meeting:write:admin')),
            lambda settings: bool(settings.get('allow_registration'))),
    Feature('reports', N_('Participant reports'),
            (Need(N_('read who took part'), 'meeting:read:admin', 'meeting:read:list_past_participants:admin'),),
            _uses_meeting_runs),
    Feature('recordings', N_('Cloud recordings'),
            (Need(N_('read recording files'), 'recording:read:admin',
                  'cloud_recording:read:list_recording_files:admin'),),
            _uses_meeting_runs),
)
KNOWN_SCOPES = frozenset(scope for feature in FEATURES for need in feature.needs for scope in need.accepted)

#: classic scope -> a harmless call that needs it (answered "not found" when the scope is there)
PROBES = {
    'meeting:read:admin': lambda client: client.get_meeting(NO_SUCH_ID),
    'meeting:write:admin': lambda client: client.delete_meeting(NO_SUCH_ID),
    'webinar:read:admin': lambda client: client.get_webinar(NO_SUCH_ID),
    'webinar:write:admin': lambda client: client.delete_webinar(NO_SUCH_ID),
    'user:read:admin': lambda client: client.get_user(NO_SUCH_USER),
    'user:write:admin': lambda client: client.delete_assistant(NO_SUCH_USER, NO_SUCH_USER),
    'recording:read:admin': lambda client: client.get_meeting_recordings(NO_SUCH_ID),
}


def _is_granular(scope):
    # classic scopes are "product:verb" or "product:verb:admin"; granular ones name the object as well
    parts = scope.split(':')
    return len(parts) > 3 or (len(parts) == 3 and parts[2] != 'admin')


@dataclass(frozen=True)
class NeedStatus:
    need: Need
    #: True / False, or None when it could not be told (``detail`` says why)
    granted: bool | None
    #: 'token' (the token reply's scopes said) or 'call' (a harmless call told)
    source: str
    scope_to_add: str
    detail: str = ''


@dataclass(frozen=True)
class FeatureStatus:
    feature: Feature
    in_use: bool
    needs: tuple

    @property
    def missing(self):
        """The scopes to add, each once, in order."""
        return list(dict.fromkeys(status.scope_to_add for status in self.needs if status.granted is False))

    def actions_needing(self, scope):
        """What the feature cannot do without the missing ``scope``, for people."""
        return ', '.join(str(_(status.need.action)) for status in self.needs
                         if status.granted is False and status.scope_to_add == scope)

    @property
    def unknown(self):
        return [status for status in self.needs if status.granted is None]

    @property
    def ok(self):
        return not self.missing and not self.unknown


@dataclass(frozen=True)
class ScopeReport:
    features: tuple = ()
    #: the scopes the token reply listed, or None (it listed none)
    granted: frozenset | None = None
    #: why nothing could be checked (no credentials, Zoom refused them or could not be reached)
    error: str | None = None
    probed: list = field(default_factory=list)

    @property
    def ok(self):
        """No feature in use lacks a scope (and the check could be made)."""
        return self.error is None and all(status.ok for status in self.features if status.in_use)

    def missing_in_use(self):
        return list(dict.fromkeys(scope for status in self.features if status.in_use for scope in status.missing))


def _probe(client, scope, cache_key):
    """``(granted, detail)`` from the harmless call for ``scope``."""
    key = f'{cache_key}:{scope}'
    if cache_key and (cached := probe_cache.get(key)) is not None:
        return cached
    try:
        PROBES[scope](client)
    except ZoomScopeMissing:
        answer = (False, '')
    except ZoomAuthError as exc:
        return None, str(exc)
    except ZoomError as exc:
        if exc.status_code is None or exc.status_code >= 500 or exc.status_code == 429:
            return None, str(exc)  # Zoom did not get to the scope check: try again later
        answer = (True, '')  # "not found" or a refused value: the scope check has passed
    else:
        answer = (True, '')
    if cache_key:
        probe_cache.set(key, answer, timeout=PROBE_TTL)
    return answer


def _unclear(need, granted):
    """The token lists scopes this module does not know for the need's product: only a call can tell."""
    product = need.classic.split(':')[0]
    # granular recording scopes are named after the cloud recording product
    products = {product, 'cloud_recording'} if product == 'recording' else {product}
    return any(scope not in KNOWN_SCOPES and scope.split(':')[0] in products for scope in granted)


def check_scopes(client, settings, cache_key=None):
    """The :class:`ScopeReport` of the app behind ``client`` for the features ``settings`` use.

    ``cache_key`` (e.g. a hash of the credentials) lets probe answers be reused for a while; ``None`` asks afresh.
    """
    try:
        granted = client.granted_scopes()
    except ZoomError as exc:
        return ScopeReport(error=str(exc))
    probed = {}

    def status_of(need, in_use):
        to_add = need.scope_to_add(granted)
        if granted is not None and (granted & need.accepted or not _unclear(need, granted)):
            return NeedStatus(need, bool(granted & need.accepted), 'token', to_add)
        if not in_use:
            return NeedStatus(need, None, 'call', to_add, 'not checked: the feature is not in use')
        if need.classic not in probed:
            probed[need.classic] = _probe(client, need.classic, cache_key)
        answer, detail = probed[need.classic]
        return NeedStatus(need, answer, 'call', to_add, detail)

    features = []
    for feature in FEATURES:
        in_use = bool(feature.in_use(settings))
        features.append(FeatureStatus(feature, in_use, tuple(status_of(need, in_use) for need in feature.needs)))
    return ScopeReport(features=tuple(features), granted=granted, probed=sorted(probed))


def missing_scope_message(exc):
    """What a user is told when Zoom refused an action for a missing scope (``ZoomScopeMissing``)."""
    scopes = format_list(list(exc.missing_scopes), style='or', locale=get_current_locale()) or '?'
    return _('The Zoom app of this Indico lacks the scope {scopes}. An administrator must add it to the app in the '
             'Zoom App Marketplace (the plugin settings page lists every scope each feature needs).').format(
        scopes=scopes)


def _credentials_key():
    # probe answers belong to one app: a digest of its settings (never the secret itself) keys them
    settings = {key: zoom_settings.get(key) for key in CLIENT_SETTINGS}
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()[:24]


def configured_report():
    """The report for the configured app (probe answers reused for a while), as the settings page shows it."""
    try:
        client = get_client()
    except ZoomError as exc:
        return ScopeReport(error=str(exc))
    return check_scopes(client, zoom_settings.get_all(), cache_key=_credentials_key())


def render_settings_report():
    """The scope table under the plugin's settings form."""
    return render_plugin_template('vc_zoom:scope_report.html', report=configured_report())


def report_lines(report):
    """``[(text, ok)]``: the report as lines for the command line."""
    if report.error:
        return [(f'Scopes not checked: {report.error}', False)]
    source = 'the token reply' if report.granted is not None else 'harmless calls (the token lists no scopes)'
    lines = [(f'Scopes of the Zoom app, read from {source}:', True)]
    for status in report.features:
        if not status.in_use:
            state = 'not in use' + (f'; would need {", ".join(status.missing)}' if status.missing else '')
            lines.append((f'  {status.feature.title}: {state}', True))
        elif status.ok:
            lines.append((f'  {status.feature.title}: ok', True))
        else:
            for scope in status.missing:
                lines.append((f'  {status.feature.title}: MISSING {scope} (to {status.actions_needing(scope)})',
                              False))
            for unknown in status.unknown:
                lines.append((f'  {status.feature.title}: could not tell whether the app may {unknown.need.action} '
                              f'({unknown.detail})', False))
    return lines
