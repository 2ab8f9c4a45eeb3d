"""The test-only adjustments of the 3.3 lane on Python 3.11 (scripts/lib/indico33_on_py311.py): exact and loud."""

import importlib.util
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location('indico33_on_py311', ROOT / 'scripts' / 'lib' / 'indico33_on_py311.py')
adjustments = importlib.util.module_from_spec(spec)
spec.loader.exec_module(adjustments)

# the construct as Indico 3.3 writes it (valid on 3.12 only); built as text so this file stays valid on 3.11
NESTED = "    click.echo(f'Missing keys: {', '.join(missing)}')\n"


def test_requote_line_gives_the_same_value():
    fixed = adjustments.requote_line(NESTED)
    assert fixed == '    click.echo(f\'Missing keys: {", ".join(missing)}\')\n'
    missing = ['a', 'b']
    echoed = []
    click = type('Click', (), {'echo': echoed.append})
    eval(compile(fixed.strip(), '<test>', 'eval'), {'click': click, 'missing': missing})
    assert echoed == ['Missing keys: a, b']


def test_requote_line_leaves_other_lines_alone():
    for line in ("x = f'{a} and {{literal}} {b!r:>10}'\n", 'y = "plain"\n', "z = f'{d[\"k\"]}'\n"):
        assert adjustments.requote_line(line) == line


def _fake_indico(tmp_path, files):
    site = tmp_path / 'site-packages'
    for rel, text in files.items():
        path = site / 'indico' / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return site


def test_known_file_is_requoted_and_backport_installed(tmp_path):
    site = _fake_indico(tmp_path, {'modules/events/export.py': f'missing = []\n{NESTED.strip()}\n'.replace(
        'click.echo', 'print')})
    if sys.version_info >= (3, 12):
        # on 3.12 the file compiles as it is: nothing to requote, only the backport files are written
        adjustments.adjust(site)
        assert ", '.join" in (site / 'indico/modules/events/export.py').read_text()
    else:
        adjustments.adjust(site)
        assert '", ".join' in (site / 'indico/modules/events/export.py').read_text()
    assert (site / adjustments.PTH_NAME).read_text() == f'import {adjustments.BACKPORT_MODULE}\n'
    namespace = {}
    exec((site / f'{adjustments.BACKPORT_MODULE}.py').read_text(), namespace)
    assert list(namespace['batched']('abcde', 2)) == [('a', 'b'), ('c', 'd'), ('e',)]


def test_unknown_file_that_does_not_compile_fails_loudly_naming_it(tmp_path):
    site = _fake_indico(tmp_path, {'modules/new_feature.py': 'type Alias = int\nmatch = (\n'})
    with pytest.raises(adjustments.AdjustmentError, match=r'modules/new_feature\.py'):
        adjustments.adjust(site)


def test_known_file_with_another_3_12_construct_fails_loudly(tmp_path):
    site = _fake_indico(tmp_path, {'testing/fixtures/database.py': 'def f(:\n'})
    with pytest.raises(adjustments.AdjustmentError, match=r'database\.py'):
        adjustments.adjust(site)
