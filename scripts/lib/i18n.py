"""The plugin's translations: extract, update, check, compile, init (run by ``scripts/i18n``; ``check`` and
``compile`` also by ``scripts/test``, ``scripts/demo`` and the wheel build).

    python scripts/lib/i18n.py extract          # write indico_vc_zoom/translations/messages.pot (not committed)
    python scripts/lib/i18n.py update           # merge the texts of the code into every catalog (.po)
    python scripts/lib/i18n.py check            # exit 1 listing each text a catalog lacks, leaves fuzzy or obsoletes
    python scripts/lib/i18n.py compile          # .po -> .mo beside it (the .mo files are build products)
    python scripts/lib/i18n.py init LOCALE      # start a catalog for a new language, e.g. it_IT

Extraction reads ``babel.cfg`` (Python, Jinja templates, ``client/*.js``) from the code itself, so the check
always compares the catalogs with what the code says now. It also checks that a translation keeps the placeholders
of its text (``{name}``, ``%(name)s``), since a lost or renamed one breaks the page at run time.
"""

import re
import sys
from io import BytesIO
from pathlib import Path


ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / 'indico_vc_zoom'
TRANSLATIONS = PACKAGE / 'translations'
POT = TRANSLATIONS / 'messages.pot'
KEYWORDS = {'_': None, 'gettext': None, 'ngettext': (1, 2), 'N_': None}
PLACEHOLDER_RE = re.compile(r'\{[^{}]*\}|%\([a-z_]+\)[sd]')


def _babel():
    try:
        import babel  # noqa: F401
    except ImportError:
        sys.exit('Babel is missing: run this with the Python of a lane venv (.venv-3.2/bin/python) or pip install '
                 'Babel')


def template_catalog():
    """What the code says now, as a catalog template."""
    from babel.messages import frontend
    from babel.messages.catalog import Catalog
    from babel.messages.extract import extract_from_dir

    # Babel 2.12 (Indico 3.2) has parse_mapping, later ones parse_mapping_cfg
    parse = getattr(frontend, 'parse_mapping_cfg', None) or frontend.parse_mapping
    with open(ROOT / 'babel.cfg') as f:
        method_map, options_map = parse(f)
    catalog = Catalog(project='indico-vc-zoom', msgid_bugs_address=None, charset='utf-8')
    for filename, lineno, message, comments, context in extract_from_dir(
            str(ROOT), method_map, options_map, keywords=KEYWORDS, comment_tags=('NOTE:',), strip_comment_tags=True):
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def catalog_paths():
    return sorted(TRANSLATIONS.glob('*/LC_MESSAGES/messages.po'))


def read(path):
    from babel.messages.pofile import read_po

    with open(path, 'rb') as f:
        return read_po(f, locale=path.parts[-3])


def write(path, catalog, **kwargs):
    from babel.messages.pofile import write_po

    # the same bytes whichever Babel writes them (2.12 under Indico 3.2, 2.18 under 3.3): no flag only newer Babels
    # set, no Generated-By line
    for message in catalog:
        message.flags.discard('python-brace-format')
    buf = BytesIO()
    # no source locations: they would change with every edit of the code and make merges of catalogs conflict
    write_po(buf, catalog, width=120, no_location=True, include_previous=False, **kwargs)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(re.sub(rb'"Generated-By: Babel [^"]*"\n', b'', buf.getvalue()))


def extract():
    template = template_catalog()
    write(POT, template, omit_header=False)
    print(f'{POT.relative_to(ROOT)}: {len(template)} texts')


def update():
    template = template_catalog()
    for path in catalog_paths():
        catalog = read(path)
        created = catalog.creation_date  # kept: a date that changes with every update makes merges conflict
        catalog.update(template, no_fuzzy_matching=True, update_header_comment=False)
        catalog.creation_date = created
        catalog.obsolete.clear()  # texts the code no longer has: git keeps their history
        write(path, catalog)
        print(f'{path.relative_to(ROOT)}: updated')
    return check()


def _ids(message):
    return message.id if isinstance(message.id, tuple) else (message.id,)


def _strings(message):
    return message.string if isinstance(message.string, tuple | list) else (message.string,)


def problems(template, catalog):
    """``(msgid, what is wrong)`` of one catalog against the template."""
    found = []
    for message in template:
        if not message.id:
            continue
        translated = catalog.get(message.id, context=message.context)
        if translated is None:
            found.append((message.id, 'missing'))
        elif translated.fuzzy:
            found.append((message.id, 'fuzzy'))
        elif not all(_strings(translated)):
            found.append((message.id, 'not translated'))
        else:
            wanted = {p for msgid in _ids(message) for p in PLACEHOLDER_RE.findall(msgid)}
            for string in _strings(translated):
                if set(PLACEHOLDER_RE.findall(string)) != wanted:
                    found.append((message.id, f'placeholders differ: {string!r}'))
    for message in catalog:
        if message.id and template.get(message.id, context=message.context) is None:
            found.append((message.id, 'obsolete (no longer in the code: run scripts/i18n update)'))
    return found


def check():
    template = template_catalog()
    paths = catalog_paths()
    failed = not paths
    for path in paths:
        found = problems(template, read(path))
        if found:
            failed = True
            print(f'{path.relative_to(ROOT)}: {len(found)} of {len(template) - 1} texts need work:')
            for msgid, what in found:
                print(f'  {what}: {msgid!r}')
        else:
            print(f'{path.relative_to(ROOT)}: all {len(template) - 1} texts translated')
    return 1 if failed else 0


def compile_all():
    from babel.messages.mofile import write_mo

    for path in catalog_paths():
        with open(path.with_suffix('.mo'), 'wb') as f:
            write_mo(f, read(path), use_fuzzy=False)
    print(f'compiled {len(catalog_paths())} catalogs')


def init(locale):
    from babel import Locale
    from babel.messages.catalog import Catalog

    Locale.parse(locale)  # an unknown locale fails here
    path = TRANSLATIONS / locale / 'LC_MESSAGES' / 'messages.po'
    if path.exists():
        sys.exit(f'{path} exists: use update')
    catalog = Catalog(locale=locale, project='indico-vc-zoom', charset='utf-8', fuzzy=False,
                      copyright_holder='the indico-vc-zoom authors',
                      last_translator='indico-vc-zoom developers', language_team=locale)
    catalog.update(template_catalog(), no_fuzzy_matching=True)
    write(path, catalog)
    print(f'{path.relative_to(ROOT)}: created; translate every msgstr, then run scripts/i18n check')


def main(argv):
    _babel()
    commands = {'extract': extract, 'update': update, 'check': check, 'compile': compile_all}
    if len(argv) == 2 and argv[0] == 'init':
        return init(argv[1])
    if len(argv) != 1 or argv[0] not in commands:
        sys.exit(__doc__)
    return commands[argv[0]]()


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]) or 0)
