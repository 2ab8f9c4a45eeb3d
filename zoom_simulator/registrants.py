"""Meeting and webinar registrants: registration, listing, status changes, questions and Zoom's errors."""

import copy

from . import ids
from .objects import MEETING, WEBINAR, parse_body
from .pages import paginate
from .ratelimit import check_registrant_daily
from .responses import ApiError, Response, validation_error
from .scopes import need


STATUSES = ('pending', 'approved', 'denied')
# 'cancel' withdraws an approval; Zoom then lists the registrant among the denied ones
ACTIONS = {'approve': 'approved', 'deny': 'denied', 'cancel': 'denied'}
BATCH_MAX = 30  # documented: "Register up to 30 registrants at once"
REGISTRANT_FIELDS = ('first_name', 'last_name', 'email', 'address', 'city', 'state', 'zip', 'country', 'phone',
                     'comments', 'industry', 'job_title', 'no_of_employees', 'org', 'purchasing_time_frame',
                     'role_in_purchase_process', 'language')
QUESTION_FIELDS = ('last_name', 'address', 'city', 'country', 'zip', 'state', 'phone', 'industry', 'org',
                   'job_title', 'purchasing_time_frame', 'role_in_purchase_process', 'no_of_employees', 'comments')
CUSTOM_TYPES = {MEETING: ('short', 'single', 'multiple'),
                WEBINAR: ('short', 'single_radio', 'single_dropdown', 'multiple')}
# Types that can require registration: scheduled and recurring with a fixed time.
REGISTRATION_TYPES = (2, 8, 5, 9)


def _not_enabled(kind, op, obj_id):
    """Zoom words this differently per operation; the codes are those documented for each one.

    Meetings: list/get/status 300 'This meeting has not set registration as required'; add and batch 404 (HTTP
    404); delete 404 (HTTP 400). Webinars: add 3000, batch 3000, delete 404 (HTTP 400); for webinar list, get and
    status the subset documents nothing, so they answer like meetings.
    """
    noun = kind
    if op in ('add', 'batch') and kind == MEETING:
        return ApiError(404, 404, f'Registration has not been enabled for this meeting: {obj_id}.')
    if op == 'add':
        return ApiError(400, 3000, f'This webinar does not have registration as required: {obj_id}.')
    if op == 'batch':
        return ApiError(400, 3000, f'Registration not enabled for this webinar: {obj_id}.')
    if op == 'delete':
        return ApiError(400, 404, f'Registration has not been enabled for this {noun}: {obj_id}.')
    return ApiError(400, 300, f'This {noun} has not set registration as required: {obj_id}.')


def _full(kind, batch=False):
    """Documented: meetings 400/3043 (batch: HTTP 404); webinars 400/3000 on add, 404/3043 on batch."""
    if kind == MEETING:
        return ApiError(404 if batch else 400, 3043, 'Meeting has reached maximum attendee capacity.')
    if batch:
        return ApiError(404, 3043, 'Webinar has reached maximum attendee capacity.')
    return ApiError(400, 3000, 'You have reached the limit for the number of attendees you can add. '
                               'Contact Zoom Support for more information.')


def _unknown_registrant(ref, status=404):
    """Documented for DELETE as 400/3000 'Registrant {0} was not found.'; GET and PUT status answer HTTP 404."""
    return ApiError(status, 3000, f'Registrant {ref} was not found.')


def _meeting(app, req, kind, op):
    obj = app.state.get_object(kind, req.params['id'])
    if obj['settings'].get('approval_type') not in (0, 1) or obj['type'] not in REGISTRATION_TYPES:
        raise _not_enabled(kind, op, obj['id'])
    return obj, app.state.extra(obj['id'])


def _capacity(app, kind, obj):
    limit = app.state.config['registrant_limit']
    restrict = obj['settings'].get('registrants_restrict_number') or 0
    return min(limit, restrict) if kind == WEBINAR and restrict > 0 else limit


def _counted(extra):
    return sum(1 for r in extra['registrants'].values() if r['status'] != 'denied')


def _join_url(app, kind, obj, token):
    url = f'{app.url}/{"j" if kind == MEETING else "w"}/{obj["id"]}?tk={token}'
    return url + (f'&pwd={obj["encrypted_password"]}' if obj.get('encrypted_password') else '')


def _register(app, kind, obj, extra, fields, approved, batch=False):
    """Add one registrant (or return the existing one for that e-mail, as Zoom does on re-registration)."""
    email = fields['email']
    for registrant in extra['registrants'].values():
        if registrant['email'].lower() == email.lower():
            return registrant
    if kind == WEBINAR and email.lower() == obj['host_email'].lower():
        raise ApiError(400, 3027, 'Host cannot register.')
    if _counted(extra) >= _capacity(app, kind, obj):
        raise _full(kind, batch)
    registrant = {'id': ids.registrant_id(), **{k: '' for k in REGISTRANT_FIELDS if k != 'language'}}
    registrant.update({k: copy.deepcopy(fields[k]) for k in REGISTRANT_FIELDS if k in fields})
    registrant['custom_questions'] = copy.deepcopy(fields.get('custom_questions') or [])
    registrant['status'] = 'approved' if approved else 'pending'
    registrant['create_time'] = ids.iso(ids.now())
    registrant['join_url'] = _join_url(app, kind, obj, ids.registrant_token())
    extra['registrants'][registrant['id']] = registrant
    return registrant


def _check_fields(fields, prefix=''):
    for key in ('first_name', 'email'):
        if not isinstance(fields.get(key), str) or not fields[key] or (key == 'email' and '@' not in fields[key]):
            raise validation_error(f'{prefix}{key}', f'{key} is required and must be valid.')


def _check_answers(extra, body):
    """Required registration questions (see PATCH .../registrants/questions) must be answered."""
    questions = extra['questions'] or {}
    for question in questions.get('questions', []):
        if question.get('required') and not body.get(question['field_name']):
            raise validation_error(question['field_name'], f'{question["field_name"]} is required.')
    answers = {a.get('title'): a.get('value') for a in body.get('custom_questions') or [] if isinstance(a, dict)}
    for question in questions.get('custom_questions', []):
        if question.get('required') and not answers.get(question['title']):
            raise validation_error('custom_questions', f'Please answer the question "{question["title"]}".')


def add_registrant(app, req, kind):
    state = app.state
    with state.lock:
        obj, extra = _meeting(app, req, kind, 'add')
        body = parse_body(req)
        _check_fields(body)
        _check_answers(extra, body)
        check_registrant_daily(state, obj['id'], body['email'], 'add', kind)
        approved = obj['settings']['approval_type'] == 0 or (kind == MEETING and body.get('auto_approve') is True)
        registrant = _register(app, kind, obj, extra, body, approved)
        reply = {'id': obj['id'] if kind == MEETING else str(obj['id']), 'join_url': registrant['join_url'],
                 'registrant_id': registrant['id'], 'topic': obj['topic'], 'occurrences': []}
        if 'start_time' in obj:
            reply['start_time'] = obj['start_time']
        return Response(201, reply)


def batch_registrants(app, req, kind):
    """Documented: up to 30 at once; meetings of type 2 only (400/303), webinars of type 5 only (400/300)."""
    state = app.state
    with state.lock:
        obj, extra = _meeting(app, req, kind, 'batch')
        if kind == MEETING and obj['type'] != 2:
            raise ApiError(400, 303, 'This API can only be used for scheduled meeting(meeting type: 2). Batch '
                                     'registration is not supported for other meeting types.')
        if kind == WEBINAR and obj['type'] != 5:
            raise ApiError(400, 300, 'This API can only be used for scheduled webinars (type 5). Batch '
                                     'registration is not supported for other webinar types.')
        body = parse_body(req)
        entries = body.get('registrants')
        if not isinstance(entries, list) or not entries or len(entries) > BATCH_MAX:
            raise validation_error('registrants', f'registrants must list 1 to {BATCH_MAX} registrants.')
        for index, entry in enumerate(entries):
            if not isinstance(entry, dict):
                raise validation_error(f'registrants[{index}]', 'Each registrant must be an object.')
            _check_fields(entry, f'registrants[{index}].')
        new_emails = {e['email'].lower() for e in entries} - {r['email'].lower() for r in extra['registrants'].values()}
        if _counted(extra) + len(new_emails) > _capacity(app, kind, obj):
            raise _full(kind, batch=True)  # all or nothing, so a refused batch leaves no half-registered list
        approved = obj['settings']['approval_type'] == 0 or body.get('auto_approve') is True
        added = [_register(app, kind, obj, extra, entry, approved, batch=True) for entry in entries]
        return Response(200, {'registrants': [{'registrant_id': r['id'], 'email': r['email'],
                                               'join_url': r['join_url']} for r in added]})


def list_registrants(app, req, kind):
    state = app.state
    with state.lock:
        obj, extra = _meeting(app, req, kind, 'list')
        status = req.query.get('status') or 'approved'
        if status not in STATUSES:
            raise validation_error('status', f'Invalid status: {status}. Allowed: {", ".join(STATUSES)}.')
        items = [copy.deepcopy(r) for r in extra['registrants'].values() if r['status'] == status]
        return Response(200, paginate(state, req, ('registrants', obj['id'], status), items, 'registrants'))


def get_registrant(app, req, kind):
    with app.state.lock:
        _, extra = _meeting(app, req, kind, 'get')
        registrant = extra['registrants'].get(req.params['registrantId'])
        if registrant is None:
            raise _unknown_registrant(req.params['registrantId'])
        return Response(200, copy.deepcopy(registrant))


def delete_registrant(app, req, kind):
    with app.state.lock:
        _, extra = _meeting(app, req, kind, 'delete')
        if extra['registrants'].pop(req.params['registrantId'], None) is None:
            raise _unknown_registrant(req.params['registrantId'], status=400)
    return Response(204)


def update_status(app, req, kind):
    """PUT .../registrants/status {action: approve|cancel|deny, registrants: [{id} or {email}], at most 30}."""
    state = app.state
    with state.lock:
        obj, extra = _meeting(app, req, kind, 'status')
        body = parse_body(req)
        action = body.get('action')
        if action not in ACTIONS:
            raise validation_error('action', f'Invalid action: {action!r}. Allowed: approve, cancel, deny.')
        refs = body.get('registrants')
        if not isinstance(refs, list) or not refs or len(refs) > BATCH_MAX or \
                not all(isinstance(r, dict) and (r.get('id') or r.get('email')) for r in refs):
            raise validation_error('registrants', f'registrants must list 1 to {BATCH_MAX} objects with an id or '
                                                  'an email.')
        targets = []
        for ref in refs:
            found = extra['registrants'].get(ref.get('id')) or next(
                (r for r in extra['registrants'].values() if r['email'].lower() == str(ref.get('email')).lower()),
                None)
            if found is None:
                raise _unknown_registrant(ref.get('id') or ref.get('email'))
            targets.append(found)
        for registrant in targets:
            check_registrant_daily(state, obj['id'], registrant['email'], 'status', kind)
        if action == 'approve' and kind == WEBINAR:
            newly = sum(1 for r in targets if r['status'] == 'denied')
            if _counted(extra) + newly > _capacity(app, kind, obj):
                raise ApiError(400, 3035, 'Webinar has reached maximum attendee capacity.')
        for registrant in targets:
            registrant['status'] = ACTIONS[action]
    return Response(204)


def get_questions(app, req, kind):
    with app.state.lock:
        _, extra = _meeting(app, req, kind, 'list')
        return Response(200, copy.deepcopy(extra['questions'] or {'questions': [], 'custom_questions': []}))


def update_questions(app, req, kind):
    """Not in the subset; shaped as Zoom's 'Update registration questions': questions [{field_name, required}]
    and custom_questions [{title, type, required, answers}]. 204 on success."""
    with app.state.lock:
        _, extra = _meeting(app, req, kind, 'list')
        body = parse_body(req)
        questions = body.get('questions', [])
        custom = body.get('custom_questions', [])
        if not isinstance(questions, list) or not all(
                isinstance(q, dict) and q.get('field_name') in QUESTION_FIELDS
                and isinstance(q.get('required', False), bool) for q in questions):
            raise validation_error('questions', f'Each question needs a field_name of: {", ".join(QUESTION_FIELDS)}.')
        types = CUSTOM_TYPES[kind]
        if not isinstance(custom, list) or not all(
                isinstance(q, dict) and isinstance(q.get('title'), str) and q['title']
                and q.get('type', 'short') in types and isinstance(q.get('answers', []), list) for q in custom):
            raise validation_error('custom_questions', f'Each custom question needs a title and a type of: '
                                                       f'{", ".join(types)}.')
        extra['questions'] = {
            'questions': [{'field_name': q['field_name'], 'required': q.get('required', False)} for q in questions],
            'custom_questions': [{'title': q['title'], 'type': q.get('type', 'short'),
                                  'required': q.get('required', False), 'answers': list(q.get('answers', []))}
                                 for q in custom],
        }
    return Response(204)


def _bind(func, kind):
    def handler(app, req):
        return func(app, req, kind)
    handler.__name__ = f'{func.__name__}_{kind}'
    return handler


ROUTES = []
for _kind in (MEETING, WEBINAR):
    _base = rf'/{_kind}s/(?P<id>[^/]+)'
    _read, _write = need(f'{_kind}:read:admin', f'{_kind}:read:list_registrants:admin'), need(f'{_kind}:write:admin')
    ROUTES += [
        ('GET', rf'{_base}/registrants', _bind(list_registrants, _kind), 'Medium', _read),
        ('POST', rf'{_base}/registrants', _bind(add_registrant, _kind), 'Light', _write),
        ('POST', rf'{_base}/batch_registrants', _bind(batch_registrants, _kind), 'Heavy', _write),
        ('PUT', rf'{_base}/registrants/status', _bind(update_status, _kind), 'Medium', _write),
        ('GET', rf'{_base}/registrants/questions', _bind(get_questions, _kind), 'Light', need(f'{_kind}:read:admin')),
        ('PATCH', rf'{_base}/registrants/questions', _bind(update_questions, _kind), 'Light', _write),
        ('GET', rf'{_base}/registrants/(?P<registrantId>[^/]+)', _bind(get_registrant, _kind), 'Light',
         need(f'{_kind}:read:admin')),
        ('DELETE', rf'{_base}/registrants/(?P<registrantId>[^/]+)', _bind(delete_registrant, _kind), 'Light', _write),
    ]
