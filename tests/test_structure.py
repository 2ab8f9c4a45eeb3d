"""The package's shape: no import circle, nothing imports the plugin class, small modules that say what they own."""

import ast
import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest


ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / 'indico_vc_zoom'
CHECKER = ROOT / 'scripts' / 'lib' / 'check_imports.py'
MAX_LINES = 400


def _load_checker():
    spec = importlib.util.spec_from_file_location('check_imports', CHECKER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_imports = _load_checker()


def _modules():
    return sorted(PACKAGE.rglob('*.py'))


def _write_package(root, files):
    for name, source in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source)
    return root


def _run_checker(package_dir):
    return subprocess.run([sys.executable, str(CHECKER), str(package_dir)], capture_output=True, text=True)


def test_package_has_no_import_circle():
    graph = check_imports.import_graph(PACKAGE)
    assert 'indico_vc_zoom.plugin' in graph
    assert 'indico_vc_zoom.settings' in graph['indico_vc_zoom.connection']  # the graph sees real edges
    assert check_imports.find_cycles(graph) == []
    result = _run_checker(PACKAGE)
    assert result.returncode == 0, result.stdout + result.stderr
    assert 'no import circle in indico_vc_zoom' in result.stdout


def test_nothing_imports_the_plugin_class():
    graph = check_imports.import_graph(PACKAGE)
    importers = sorted(module for module, edges in graph.items() if 'indico_vc_zoom.plugin' in edges)
    assert importers == []


def test_settings_are_at_the_bottom():
    graph = check_imports.import_graph(PACKAGE)
    # i18n.py (the plugin's gettext domain) is below them all: it imports nothing of ours
    assert graph['indico_vc_zoom.i18n'] == set()
    assert graph['indico_vc_zoom.settings'] <= {'indico_vc_zoom.visibility', 'indico_vc_zoom.i18n'}
    assert graph['indico_vc_zoom.visibility'] <= {'indico_vc_zoom.i18n'}
    assert graph['indico_vc_zoom.kinds'] <= {'indico_vc_zoom.i18n'}


@pytest.mark.parametrize(('files', 'circle'), [
    # a function-level import back up is a circle too
    ({'__init__.py': '', 'a.py': 'from fakepkg import b\n',
      'b.py': 'def f():\n    from fakepkg.a import x\n    return x\n'},
     'fakepkg.a -> fakepkg.b -> fakepkg.a'),
    # relative imports, through a subpackage, three modules long
    ({'__init__.py': '', 'a.py': 'from .sub import c\n', 'sub/__init__.py': '',
      'sub/c.py': 'from ..b import y\n', 'b.py': 'import fakepkg.a\n'},
     'fakepkg.a -> fakepkg.sub.c -> fakepkg.b -> fakepkg.a'),
])
def test_checker_finds_a_circle(tmp_path, files, circle):
    package_dir = _write_package(tmp_path / 'fakepkg', files)
    assert check_imports.find_cycles(check_imports.import_graph(package_dir)) == [circle.split(' -> ')]
    result = _run_checker(package_dir)
    assert result.returncode == 1
    assert f'import circle: {circle}' in result.stdout


def test_checker_accepts_a_package_importing_its_own_modules(tmp_path):
    # a package's __init__ importing its modules, which import each other one way, is no circle
    package_dir = _write_package(tmp_path / 'fakepkg', {
        '__init__.py': 'from fakepkg import a\n', 'a.py': 'from fakepkg.b import y\nimport os\n', 'b.py': 'y = 1\n',
    })
    graph = check_imports.import_graph(package_dir)
    assert graph == {'fakepkg': {'fakepkg.a'}, 'fakepkg.a': {'fakepkg.b'}, 'fakepkg.b': set()}
    assert _run_checker(package_dir).returncode == 0


@pytest.mark.parametrize('path', _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_small_and_says_what_it_owns(path):
    source = path.read_text()
    assert len(source.splitlines()) <= MAX_LINES
    docstring = ast.get_docstring(ast.parse(source))
    assert docstring, f'{path.name} has no docstring'
    assert docstring.splitlines()[0].strip(), f'{path.name}: the docstring does not start with its one-line summary'


def _readme_layout_paths():
    readme = (ROOT / 'README.md').read_text()
    section = readme.split('\n## Where things are\n', 1)[1].split('\n## ', 1)[0]
    rows = [line for line in section.splitlines() if line.startswith('| `')]
    return {path for row in rows for path in re.findall(r'`([^`\s]+)`', row.split('|')[1])}


def test_readme_layout_table_matches_the_tree():
    listed = _readme_layout_paths()
    folders = tuple(path for path in listed if path.endswith('/'))
    modules = {str(p.relative_to(PACKAGE)) for p in _modules() if p.name != '__init__.py'}
    missing = {module for module in modules if module not in listed and not module.startswith(folders)}
    assert missing == set(), 'modules missing from the README table'
    assert {'plugin.py', 'rooms.py', 'webhooks/verification.py', 'zoom/'} <= listed
    for path in listed:
        assert (PACKAGE / path).exists() or (ROOT / path).exists(), f'{path} is in the README table but not in the tree'
