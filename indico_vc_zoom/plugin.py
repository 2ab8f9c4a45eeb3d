"""Where Indico hooks in: the VC plugin class. The Zoom work itself lives in ``meetings`` / ``zoom``."""

from pathlib import Path

from flask import flash, request, session
from indico.core import signals
from indico.core.db import db
from indico.core.errors import UserValueError
from indico.core.plugins import IndicoPlugin, url_for_plugin
from indico.modules.logs.models.entries import EventLogRealm, LogKind
from indico.modules.vc import VCPluginMixin
from indico.modules.vc.exceptions import VCRoomError, VCRoomNotFoundError
from indico.modules.vc.models.vc_rooms import VCRoom, VCRoomEventAssociation, VCRoomLinkType, VCRoomStatus
from indico.util.date_time import now_utc
from indico.util.string import html_to_plaintext
from indico.util.user import principal_from_identifier
from indico.web.forms.base import FormDefaults
from indico.web.util import inject_js
from markupsafe import Markup
from sqlalchemy.event import listen
from sqlalchemy.exc import DatabaseError
from sqlalchemy.orm.attributes import flag_modified

from indico_vc_zoom import meetings
from indico_vc_zoom.api import DEFAULT_API_URL, DEFAULT_OAUTH_URL, get_client
from indico_vc_zoom.forms import PluginSettingsForm, VCRoomAttachForm, VCRoomForm
from indico_vc_zoom.meetings import MEETING, WEBINAR
from indico_vc_zoom.notifications import notify_attached, notify_detached, notify_modified
from indico_vc_zoom.protection import LOGGED_IN, VISIBILITY_CHOICES, full_access, get_visibility, join_link_access
from indico_vc_zoom.users import NoZoomAccount, ensure_assistant, find_zoom_user
from indico_vc_zoom.zoom.errors import ZoomError, ZoomNotFound, ZoomRateLimited, ZoomValidationError


class ZoomActionFailed(UserValueError):
    """Zoom refused or failed an action; nothing was changed in Indico (shown to the user, never a 500)."""


class ZoomPlugin(VCPluginMixin, IndicoPlugin):
    """Zoom

    Zoom meetings and webinars for Indico events: create them from an event's Videoconference page, share
    them across events, choose or change their host, and show the join link only to whom it may concern.
    """

    configurable = True
    friendly_name = 'Zoom'
    settings_form = PluginSettingsForm
    vc_room_form = VCRoomForm
    vc_room_attach_form = VCRoomAttachForm
    default_settings = VCPluginMixin.default_settings | {
        'account_id': '',
        'client_id': '',
        'client_secret': '',
        'api_key': '',
        'api_secret': '',
        'api_url': DEFAULT_API_URL,
        'oauth_url': DEFAULT_OAUTH_URL,
        'assistant_id': '',
        'email_domains': [],
        'webhook_token': '',
        'webhook_legacy_token': False,
        'allow_webinars': False,
        'passcode_length': 10,
        'default_visibility': LOGGED_IN,
        'waiting_room': False,
        'mute_audio': True,
        'mute_host_video': True,
        'mute_participant_video': True,
        'join_before_host': True,
    }

    def init(self):
        super().init()
        from indico_vc_zoom import hooks
        hooks.connect(self)
        self.connect(signals.core.after_process, lambda sender, **kw: meetings.flush_or_delete_orphans())
        self.connect(signals.event.times_changed, self._times_changed)
        self.connect(signals.plugin.cli, self._extend_indico_cli)
        listen(VCRoom.events, 'remove', self._association_removed)

    def _extend_indico_cli(self, sender, **kwargs):
        from indico_vc_zoom.cli import cli
        return cli

    @property
    def logo_url(self):
        return url_for_plugin(self.name + '.static', filename='images/zoom_logo.svg')

    @property
    def icon_url(self):
        return url_for_plugin(self.name + '.static', filename='images/zoom_icon.svg')

    def get_blueprints(self):
        from indico_vc_zoom.blueprint import blueprint
        return blueprint

    # --- forms ------------------------------------------------------------------------------------------------

    def get_vc_room_form_defaults(self, event):
        defaults = super().get_vc_room_form_defaults(event)
        defaults.update({key: self.settings.get(key) for key in meetings.OPTION_KEYS})
        defaults.update({
            'description': html_to_plaintext(event.description)[:meetings.AGENDA_MAX] if event.description else '',
            'password': meetings.generate_passcode(self.settings.get('passcode_length')),
            'password_visibility': self.settings.get('default_visibility'),
            'public_link': False,
            'host_choice': 'myself',
            'meeting_type': MEETING,
        })
        return defaults

    def get_vc_room_attach_form_defaults(self, event):
        defaults = super().get_vc_room_attach_form_defaults(event)
        defaults.update(password_visibility=self.settings.get('default_visibility'), public_link=False)
        return defaults

    def create_form(self, event, existing_vc_room=None, existing_event_vc_room=None):
        if existing_vc_room is None or existing_event_vc_room is None:
            return super().create_form(event)
        if request.method == 'GET':
            self._refresh_before_edit(existing_vc_room, event)
        assoc = existing_event_vc_room
        host = principal_from_identifier(existing_vc_room.data['host']) if existing_vc_room.data.get('host') else None
        is_me = host is None or host == session.user
        kwargs = {
            'name': existing_vc_room.name,
            'linking': assoc.link_type.name,
            'show': assoc.show,
            'contribution': assoc.contribution_id if assoc.link_type == VCRoomLinkType.contribution else None,
            'block': assoc.session_block_id if assoc.link_type == VCRoomLinkType.block else None,
            'host_choice': 'myself' if is_me else 'someone_else',
            'host_user': None if is_me else host,
        }
        # the base class merges the association data *into* the room data; keep them apart
        defaults = FormDefaults({**existing_vc_room.data, **(assoc.data or {})}, **kwargs)
        with self.plugin_context():
            return self.vc_room_form(prefix='vc-', obj=defaults, event=event, vc_room=existing_vc_room)

    def render_form(self, **kwargs):
        html = super().render_form(**kwargs)
        # Inline scripts of the dialog HTML run while the dialog is still detached from the page (the form is not
        # found and the dialog shows its HTML as text); injected JS runs once the dialog is in the page.
        script = (Path(__file__).parent / 'client' / 'passcode.js').read_text()
        length = int(self.settings.get('passcode_length'))
        inject_js(Markup('<script>document.querySelector(\'#vc-room-form[data-vc-type="zoom"]\')'
                         '.dataset.passcodeLength = {};\n{}</script>').format(length, Markup(script)))
        return html

    def _refresh_before_edit(self, vc_room, event):
        """Show the edit form with Zoom's current state, and say so clearly if the meeting is gone."""
        try:
            self.refresh_room(vc_room, event)
        except VCRoomNotFoundError as exc:
            meetings.mark_deleted(vc_room)
            self._log(event, LogKind.negative, 'Zoom meeting "{}" no longer exists on Zoom', vc_room)
            db.session.commit()
            raise ZoomActionFailed(str(exc))
        except ZoomError as exc:
            flash(f'Could not get the current state of the meeting from Zoom ({exc}); showing the last known '
                  'one.', 'warning')

    def update_data_vc_room(self, vc_room, data, is_new=False):
        super().update_data_vc_room(vc_room, data, is_new=is_new)
        for key in ('description', 'password', *meetings.OPTION_KEYS):
            if key in data:
                vc_room.data[key] = data.pop(key)
        if is_new:
            vc_room.data['meeting_type'] = data.pop('meeting_type', None) or MEETING
        host = data.pop('host', None)
        if host is not None:
            vc_room.data['host'] = host.identifier
        flag_modified(vc_room, 'data')

    def update_data_association(self, event, vc_room, event_vc_room, data):
        is_attach = event_vc_room.id is None and vc_room.id is not None
        super().update_data_association(event, vc_room, event_vc_room, data)
        event_vc_room.data = {**(event_vc_room.data or {}),
                              'password_visibility': data.pop('password_visibility'),
                              'public_link': bool(data.pop('public_link', False))}
        flag_modified(event_vc_room, 'data')
        if is_attach and not self._is_duplicate_attach(event, vc_room, event_vc_room):
            self._attached(event, vc_room, event_vc_room)

    @staticmethod
    def _is_duplicate_attach(event, vc_room, event_vc_room):
        # mirrors Indico's own check, which runs after this hook and rolls back duplicates
        existing = {a.vc_room for a in VCRoomEventAssociation.query.filter(
            VCRoomEventAssociation.event == event, VCRoomEventAssociation.link_object == event_vc_room.link_object)}
        if event_vc_room.link_type != VCRoomLinkType.event:
            return bool(existing)
        return vc_room in existing

    # --- Zoom operations --------------------------------------------------------------------------------------

    def _zoom_host(self, client, identifier):
        user = principal_from_identifier(identifier)
        zoom_user = find_zoom_user(client, user, self.settings.get('email_domains'))
        try:
            ensure_assistant(client, zoom_user['id'], self.settings.get('assistant_id'))
        except ZoomError as exc:
            # not fatal: the meeting works, only host changes through the assistant may not
            self.logger.warning('Could not make %s an assistant of %s: %s', self.settings.get('assistant_id'),
                                zoom_user['email'], exc)
        return user, zoom_user

    def _host_field(self, vc_room):
        return 'host_choice' if vc_room.data.get('host') == session.user.identifier else 'host_user'

    def create_room(self, vc_room, event):
        kind = vc_room.data.get('meeting_type', MEETING)
        zoom_host = None
        try:
            client = get_client()
            host, zoom_host = self._zoom_host(client, vc_room.data['host'])
            state = meetings.desired_state(vc_room, event)
            payload = meetings.to_zoom_payload(state, kind)
            started = now_utc()
            meeting = meetings.api_for(kind)[1](zoom_host['id'], payload)
        except NoZoomAccount as exc:
            meetings.discard_new_room(vc_room)
            raise VCRoomError(str(exc), field=self._host_field(vc_room))
        except ZoomError as exc:
            meetings.discard_new_room(vc_room)
            if getattr(exc, 'outcome_unknown', False):
                meetings.remove_unconfirmed_create(kind, zoom_host['id'], payload, started)
            who = zoom_host['email'] if zoom_host else None
            raise VCRoomError(self._describe_error(exc, 'create the meeting', who),
                              field=self._error_field(exc, vc_room))
        vc_room.data['zoom'] = state
        meetings.store_zoom_meeting(vc_room, meeting, kind)
        vc_room.data['host_applied'] = vc_room.data['host']
        meetings.remember_pending(kind, meeting['id'])
        try:
            meetings.save_new_room()
        except DatabaseError:
            meetings.delete_orphans()
            meetings.discard_new_room(vc_room)
            raise VCRoomError('Indico could not save the new meeting, so it was deleted from Zoom again. Nothing '
                              'was changed; please try again.', field='name')
        self._log(event, LogKind.positive, f'Zoom {kind} "{{}}" created', vc_room,
                  data={'Zoom ID': meeting['id'], 'Host': host.full_name})

    def update_room(self, vc_room, event):
        data = vc_room.data
        kind = data.get('meeting_type', MEETING)
        changes = meetings.changes_to_push(vc_room, event)
        host_changed = data.get('host') and data.get('host') != data.get('host_applied')
        if not changes and not host_changed:
            return
        try:
            client = get_client()
            payload = meetings.to_zoom_payload(changes, kind)
            if host_changed:
                if kind == WEBINAR:
                    raise VCRoomError("Zoom's API cannot change the host of a webinar; change it on Zoom.",
                                      field=self._host_field(vc_room))
                host, zoom_host = self._zoom_host(client, data['host'])
                payload['schedule_for'] = zoom_host['email']
            self._call_with_kind_fallback(vc_room, 3, payload)
        except NoZoomAccount as exc:
            raise VCRoomError(str(exc), field=self._host_field(vc_room))
        except ZoomNotFound:
            raise VCRoomNotFoundError('This Zoom meeting no longer exists on Zoom; it has been marked as deleted.')
        except ZoomError as exc:
            raise VCRoomError(self._describe_error(exc, 'update the meeting', data.get('host_email')),
                              field=self._error_field(exc, vc_room))
        meetings.apply_pushed(vc_room, changes)
        log_data = {'Changed': ', '.join(sorted(changes)) or '-'}
        if host_changed:
            data.update(host_applied=data['host'], zoom_host_id=zoom_host['id'], host_email=zoom_host['email'])
            log_data['New host'] = host.full_name
        self._log(event, LogKind.change, f'Zoom {kind} "{{}}" updated', vc_room, data=log_data)
        notify_modified(self, vc_room, event, session.user, log_data)

    def _call_with_kind_fallback(self, vc_room, index, *args):
        """Call get/update/delete (``index`` into :func:`meetings.api_for`), following a Zoom-side conversion."""
        kind = vc_room.data.get('meeting_type', MEETING)
        try:
            return meetings.api_for(kind)[index](vc_room.data['zoom_id'], *args)
        except ZoomNotFound:
            other = WEBINAR if kind == MEETING else MEETING
            result = meetings.api_for(other)[index](vc_room.data['zoom_id'], *args)
            vc_room.data['meeting_type'] = other
            flag_modified(vc_room, 'data')
            return result

    def delete_room(self, vc_room, event):
        if not vc_room.data.get('zoom_id'):
            return
        try:
            self._call_with_kind_fallback(vc_room, 4)
        except ZoomNotFound:
            pass  # already gone on Zoom: that is what we wanted
        except ZoomError as exc:
            raise ZoomActionFailed(self._describe_error(exc, 'delete the meeting', vc_room.data.get('host_email')) +
                                   ' Nothing was changed in Indico.')
        self._log(event, LogKind.negative, 'Zoom meeting "{}" deleted', vc_room,
                  data={'Zoom ID': vc_room.data.get('zoom_id')})

    def refresh_room(self, vc_room, event):
        try:
            meeting, kind = meetings.fetch_meeting(vc_room)
        except ZoomNotFound:
            raise VCRoomNotFoundError('This Zoom meeting no longer exists on Zoom; it has been marked as deleted.')
        meetings.store_zoom_meeting(vc_room, meeting, kind)

    def _attached(self, event, vc_room, event_vc_room):
        # only the schedule can change by attaching (shared meetings recur without fixed time)
        try:
            self._push_schedule(vc_room, event)
        except ZoomError as exc:
            flash(f'The meeting was attached, but Zoom could not be updated: {exc}', 'warning')
        self._log(event, LogKind.positive, 'Zoom meeting "{}" attached', vc_room,
                  data={'Zoom ID': vc_room.data.get('zoom_id'), 'Linked to': event_vc_room.link_type.name})
        notify_attached(self, vc_room, event_vc_room, event, session.user)

    def _push_schedule(self, vc_room, event):
        """Bring the Zoom meeting's time in line with what it is linked to; at most one PATCH."""
        kind = vc_room.data.get('meeting_type', MEETING)
        changes = meetings.changes_to_push(vc_room, event)
        changes = {k: v for k, v in changes.items() if k in meetings.SCHEDULE_KEYS}
        if not changes or vc_room.status == VCRoomStatus.deleted:
            return False
        self._call_with_kind_fallback(vc_room, 3, meetings.to_zoom_payload(changes, kind))
        meetings.apply_pushed(vc_room, changes)
        return True

    def _times_changed(self, sender, obj, **kwargs):
        # the event, a contribution or a session block moved: meetings with a fixed time follow it
        for assoc in getattr(obj, 'vc_room_associations', []):
            vc_room = assoc.vc_room
            if vc_room.type != self.service_name or vc_room.status == VCRoomStatus.deleted:
                continue
            try:
                if self._push_schedule(vc_room, assoc.event):
                    self._log(assoc.event, LogKind.change, 'Zoom meeting "{}" moved with the timetable', vc_room,
                              data={'Start': vc_room.data['zoom'].get('start_time') or 'no fixed time'})
            except ZoomError as exc:
                self.logger.warning('Could not move Zoom meeting %s: %s', vc_room.data.get('zoom_id'), exc)
                flash(f'The Zoom meeting "{vc_room.name}" could not be moved to the new time: {exc}', 'warning')

    def clone_room(self, old_event_vc_room, link_object):
        # the cloned event shares the meeting: a meeting used by several events has no fixed time
        clone = super().clone_room(old_event_vc_room, link_object)
        clone.data = dict(old_event_vc_room.data or {})
        vc_room = old_event_vc_room.vc_room
        kind = vc_room.data.get('meeting_type', MEETING)
        recurring = meetings.ZOOM_TYPES[kind][1]
        if vc_room.status != VCRoomStatus.deleted and vc_room.data.get('zoom', {}).get('zoom_type') != recurring:
            changes = {'zoom_type': recurring}
            try:
                self._call_with_kind_fallback(vc_room, 3, meetings.to_zoom_payload(changes, kind))
            except ZoomError as exc:
                self.logger.warning('Could not make cloned Zoom meeting %s recurring: %s',
                                    vc_room.data.get('zoom_id'), exc)
            else:
                meetings.apply_pushed(vc_room, changes)
        return clone

    def _association_removed(self, vc_room, assoc, initiator):
        # Indico has no hook for detaching a room from one of several events; the relationship event is one.
        # It fires before the removal: a list of one means the room itself is being deleted (logged there).
        if (vc_room.type != self.service_name or assoc.event is None or vc_room.status == VCRoomStatus.deleted
                or len(vc_room.events) < 2):
            return
        self._log(assoc.event, LogKind.negative, 'Zoom meeting "{}" detached from this event', vc_room)
        notify_detached(self, vc_room, assoc, assoc.event, session.user if session else None)

    # --- messages, logs, notifications --------------------------------------------------------------------------

    def _describe_error(self, exc, action, host_email):
        if isinstance(exc, ZoomRateLimited) and exc.daily:
            who = host_email or 'this host'
            when = exc.resets_at.strftime('%Y-%m-%d %H:%M UTC') if exc.resets_at else 'midnight UTC'
            return (f"Zoom's daily limit of meeting changes for {who} is reached; Zoom accepts new ones again "
                    f'at {when}.')
        return f'Zoom could not {action}: {exc}'

    @staticmethod
    def _error_field(exc, vc_room):
        if isinstance(exc, ZoomValidationError) and 'password' in str(exc).lower():
            return 'password'
        return 'name'

    def _log(self, event, kind, summary, vc_room, data=None):
        user = session.user if session and session.user else None
        event.log(EventLogRealm.management, kind, 'Videoconference', summary.format(vc_room.name), user,
                  data={'Service': self.friendly_name, **(data or {})})

    def get_notification_cc_list(self, action, vc_room, event):
        from indico_vc_zoom.notifications import host_emails
        return host_emails(vc_room)

    def get_extra_delete_msg(self, vc_room, event_vc_room):
        others = {a.event for a in vc_room.events if a.event != event_vc_room.event}
        if others:
            return (f'This meeting is also used by {len(others)} other event(s); it stays on Zoom for them. Only this '
                    'link is removed.')
        return 'The meeting will be deleted from Zoom.'

    # --- rendering: every surface goes through join_link_access ---------------------------------------------

    def access_for(self, event_vc_room, user=None):
        """What the current user (or ``user``) may see of the join link; templates call this."""
        return join_link_access(user or session.user, event_vc_room)

    def manager_access(self, event_vc_room):
        """This plugin's e-mails go to the acting manager, the host and the admins' addresses only."""
        return full_access(event_vc_room)

    def visibility_label(self, event_vc_room):
        return dict(VISIBILITY_CHOICES)[get_visibility(event_vc_room)]

    def host_name(self, vc_room):
        host = principal_from_identifier(vc_room.data['host']) if vc_room.data.get('host') else None
        return host.full_name if host else vc_room.data.get('host_email', '')

    def render_info_box(self, vc_room, event_vc_room, event, **kwargs):
        kwargs.setdefault('access', join_link_access(session.user, event_vc_room))
        return super().render_info_box(vc_room, event_vc_room, event, **kwargs)

    def render_manage_event_info_box(self, vc_room, event_vc_room, event, **kwargs):
        kwargs.setdefault('access', join_link_access(session.user, event_vc_room))
        return super().render_manage_event_info_box(vc_room, event_vc_room, event, **kwargs)

    def render_buttons(self, vc_room, event_vc_room, **kwargs):
        kwargs.setdefault('access', join_link_access(session.user, event_vc_room))
        return super().render_buttons(vc_room, event_vc_room, **kwargs)

    def render_event_buttons(self, vc_room, event_vc_room, **kwargs):
        kwargs.setdefault('access', join_link_access(session.user, event_vc_room))
        return super().render_event_buttons(vc_room, event_vc_room, **kwargs)
