"""The plugin speaks the user's language (its own gettext domain) and shows times in the event's time zone.

A French-speaking user sees the create dialog (its "New passcode" script included), the event page and the
plugin's e-mails in French; the catalogs cover every text of the code (the check ``scripts/test`` runs), and that
check does find a missing or broken translation.
"""

import importlib.util
import re
from datetime import UTC, datetime, timedelta
from email.header import decode_header, make_header
from pathlib import Path

import flask_babel
import pytest
from babel.messages.catalog import Catalog
from indico.util.date_time import now_utc

from tests.test_meeting_runs import run
from tests.test_meetings import create_meeting, create_url, edit_data, edit_url, form_data, future_event


ROOT = Path(__file__).resolve().parents[1]


def _load_i18n_script():
    spec = importlib.util.spec_from_file_location('vc_zoom_i18n_script', ROOT / 'scripts' / 'lib' / 'i18n.py')
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


i18n_script = _load_i18n_script()


class Speaking:
    """A logged-in test client whose session has ``lang`` as its language, as Indico's language menu sets it.

    Flask-Babel caches the locale on the context, which a test shares with all its requests (Indico's fixtures
    keep one app context for the test); a real request starts without it, so each request here does too.
    """

    def __init__(self, client, lang):
        self.client = client
        with client.client.session_transaction() as sess:
            sess['_lang'] = lang

    def get(self, url, **kwargs):
        flask_babel.refresh()
        return self.client.get(url, **kwargs)

    def post(self, url, data=None, **kwargs):
        flask_babel.refresh()
        return self.client.post(url, data, **kwargs)


def speaking(client, lang):
    return Speaking(client, lang)


@pytest.fixture
def french_manager(zoom_plugin, zoom_host, login, smtp):
    return speaking(login(zoom_host), 'fr_FR')


# --- the catalogs -------------------------------------------------------------------------------------------------

def test_every_text_of_the_code_is_translated_in_every_catalog():
    template = i18n_script.template_catalog()
    paths = i18n_script.catalog_paths()
    assert {path.parts[-3] for path in paths} == {'fr_FR', 'de_DE', 'es_ES'}
    assert 'New passcode' in template  # the JavaScript of the dialog is extracted too
    assert 'Zoom ID:' in template  # and the e-mail templates
    for path in paths:
        assert i18n_script.problems(template, i18n_script.read(path)) == [], path


def test_the_check_finds_missing_untranslated_broken_and_obsolete_texts():
    template = Catalog()
    for msgid in ('Join', 'Leave', 'Hello {name}', 'Ended {time}'):
        template.add(msgid)
    catalog = Catalog(locale='fr_FR')
    catalog.add('Join', 'Rejoindre')
    catalog.add('Leave', '')
    catalog.add('Hello {name}', 'Bonjour {nom}')  # a renamed placeholder breaks .format() at run time
    catalog.add('Gone', 'Parti')
    found = dict(i18n_script.problems(template, catalog))
    assert 'Join' not in found
    assert found['Leave'] == 'not translated'
    assert found['Hello {name}'].startswith('placeholders differ')
    assert found['Ended {time}'] == 'missing'
    assert found['Gone'].startswith('obsolete')


def test_no_module_uses_indicos_own_domain():
    """Indico's ``_`` looks texts up in Indico's catalogs, where the plugin's are not: every module uses ours."""
    offenders = [str(path.relative_to(ROOT)) for path in (ROOT / 'indico_vc_zoom').rglob('*.py')
                 if re.search(r'from indico\.util\.i18n import [^\n]*\b_\b', path.read_text())]
    assert offenders == []


# --- French pages and e-mails -------------------------------------------------------------------------------------

def test_create_dialog_in_french(db, french_manager, zoom_host, create_event):
    event = future_event(create_event, 1, zoom_host)
    resp = french_manager.get(create_url(event)).json
    html = resp['html']
    assert 'Code secret' in html  # the passcode field (Zoom's French word)
    assert "Salle d'attente" in html or 'Salle d&#39;attente' in html
    assert 'Lien pour rejoindre visible par' in html
    assert 'Utilisateurs connectés' in html  # the visibility choices
    assert 'Passcode' not in html and 'Waiting room' not in html
    # the "New passcode" button is made by the plugin's script, which gets its texts translated
    script = ''.join(resp.get('js') or ())
    assert '"New passcode": "Nouveau code secret"' in script


def test_form_error_in_french(db, french_manager, zoom_host, create_event, zoom_sim):
    event = future_event(create_event, 1, zoom_host)
    html = french_manager.post(create_url(event), form_data(password='12ab')).json['html']
    assert 'Le code secret doit comporter 6 à 10 chiffres.' in html
    assert zoom_sim.requests() == []


def test_event_page_and_status_in_french(db, zoom_room_event, zoom_host, login, test_client, zoom_sim):
    room, event = zoom_room_event
    run(test_client, zoom_sim, 'start', room.data['zoom_id'], start_time='2026-03-02T09:00:00Z')
    run(test_client, zoom_sim, 'end', room.data['zoom_id'], end_time='2026-03-02T10:12:00Z')
    db.session.expire_all()
    client = speaking(login(zoom_host), 'fr_FR')
    html = client.get(f'/event/{event.id}/').get_data(as_text=True)
    assert '>Rejoindre<' in html
    assert 'Code secret' in html
    # CLDR writes a no-break space between a number and its unit in French
    status = re.search(r'<dd class="vc-zoom-live-status">(.*?)</dd>', html, re.S).group(1).replace('\xa0', ' ')
    assert 'durée : 1 heure et 12 minutes' in status, status  # the duration in words, in French
    manage = client.get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)
    assert 'Lien pour rejoindre visible par' in manage
    assert 'Utilisateurs connectés' in manage
    # the same pages in German say it in German
    german = speaking(login(zoom_host), 'de_DE').get(f'/event/{event.id}/').get_data(as_text=True)
    assert 'Dauer: 1 Stunde, 12 Minuten' in german.replace('\xa0', ' ')
    assert '>Beitreten<' in german
    assert 'Kenncode' in german  # the rows of the imported macros too: one language never sticks to the process
    assert 'Code secret' not in german


def test_email_in_french(db, french_manager, zoom_host, create_event, smtp):
    assoc = create_meeting(french_manager, future_event(create_event, 1, zoom_host))
    del smtp.outbox[:]
    resp = french_manager.post(edit_url(assoc), edit_data(assoc, name='Réunion renommée'))
    assert resp.json.get('success'), resp.json
    (mail,) = smtp.outbox
    assert str(make_header(decode_header(mail['Subject']))).endswith('Visioconférence modifiée : Réunion renommée')
    body = mail.get_payload(decode=True).decode() if not mail.is_multipart() else \
        ''.join(part.get_payload(decode=True).decode() for part in mail.walk() if part.get_content_maintype() == 'text')
    assert 'a été modifiée par' in body
    assert 'ID Zoom :' in body
    assert 'Modifié' in body  # the change list's own label


# --- times in the event's time zone ---------------------------------------------------------------------------------

def test_times_shown_in_the_events_time_zone(db, zoom_plugin, zoom_host, login, smtp, create_event, test_client,
                                             zoom_sim):
    # 15:00 UTC is 10:00 in New York (EST, December) and 16:00 in Zurich
    start = datetime(now_utc().year + 1, 12, 15, 15, 0, tzinfo=UTC)
    event = create_event(1, start_dt=start, end_dt=start + timedelta(hours=2), timezone='America/New_York')
    event.update_principal(zoom_host, full_access=True)
    db.session.flush()
    client = speaking(login(zoom_host), 'en_GB')
    assoc = create_meeting(client, event)
    manage = client.get(f'/event/{event.id}/manage/videoconference/').get_data(as_text=True)
    time_row = re.search(r'<dd class="vc-zoom-time">(.*?)</dd>', manage, re.S).group(1)
    assert '10:00' in time_row and 'Z' not in time_row.replace('EST', '')  # no raw UTC ISO string
    assert f'15 December {start.year}' in time_row
    # the live status: ended at 16:12 UTC = 11:12 in New York
    run(test_client, zoom_sim, 'start', assoc.vc_room.data['zoom_id'], start_time=f'{start.year}-12-15T15:00:00Z')
    run(test_client, zoom_sim, 'end', assoc.vc_room.data['zoom_id'], end_time=f'{start.year}-12-15T16:12:00Z')
    db.session.expire_all()
    page = client.get(f'/event/{event.id}/').get_data(as_text=True)
    assert 'Ended 11:12, lasted 1 hour, 12 minutes' in page
    french = speaking(login(zoom_host), 'fr_FR').get(f'/event/{event.id}/manage/videoconference/')
    assert f'15 décembre {start.year}' in french.get_data(as_text=True)
