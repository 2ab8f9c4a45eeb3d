"""Test-only adjustments that let Indico 3.3 run on Python 3.11, applied to one lane's venv and nothing else.

Real installations of Indico 3.3 use Python 3.12. The build machines of this project have only 3.11, so the test
script's 3.3 lane falls back to 3.11 and calls this script on that lane's venv (``scripts/test``, ``scripts/demo``).
On Python 3.12 or newer it changes nothing. What it does, and nothing more:

1. Requotes the f-strings that nest their own quote character (PEP 701, Python 3.12) in the files known to have
   them, so that they compile on 3.11. Any other file of the installed ``indico`` that does not compile, or a known
   file that still does not compile afterwards, stops the script with an error naming the file: a newer Indico
   release then needs a look, not a silent guess.
2. Installs a backport of ``itertools.batched`` (Python 3.12), loaded at interpreter start by a ``.pth`` file.

Usage: ``python indico33_on_py311.py VENV`` (run with the venv's own interpreter). Idempotent.
"""

import io
import sys
import sysconfig
import tokenize
from pathlib import Path


#: files of Indico 3.3 known to use PEP 701 quote nesting (relative to the ``indico`` package)
KNOWN_FILES = ('modules/events/export.py', 'testing/fixtures/database.py')
PTH_NAME = 'vc_zoom_py311_backports.pth'
BACKPORT_MODULE = 'vc_zoom_py311_backports'
BACKPORT_SOURCE = '''"""itertools.batched (Python 3.12) for Indico 3.3 on Python 3.11 (test lanes only)."""
import itertools


def batched(iterable, n):
    if n < 1:
        raise ValueError('n must be at least one')
    iterator = iter(iterable)
    while batch := tuple(itertools.islice(iterator, n)):
        yield batch


if not hasattr(itertools, 'batched'):
    itertools.batched = batched
'''


class AdjustmentError(Exception):
    pass


def compiles(source, path):
    try:
        compile(source, str(path), 'exec')
    except SyntaxError as exc:
        return exc
    return None


def _expression_end(line, start):
    """Index of the ``}`` closing the replacement field whose expression starts at ``start``."""
    depth = 0
    quote = None
    i = start
    while i < len(line):
        char = line[i]
        if quote:
            if char == quote:
                quote = None
        elif char in '\'"':
            quote = char
        elif char in '([{':
            depth += 1
        elif char in ')]}':
            if depth == 0 and char == '}':
                return i
            depth -= 1
        i += 1
    raise AdjustmentError(f'unbalanced f-string replacement field: {line.strip()}')


def requote_line(line):
    """Rewrite ``f'...{x + ', '.join(y)}...'`` as ``f'...{x + ", ".join(y)}...'`` (same value on 3.11)."""
    out = []
    i = 0
    while i < len(line):
        if line[i] in 'fF' and i + 1 < len(line) and line[i + 1] in '\'"' and (i == 0 or not line[i - 1].isalnum()):
            quote = line[i + 1]
            other = '"' if quote == "'" else "'"
            out.append(line[i:i + 2])
            i += 2
            while i < len(line) and line[i] != quote:
                if line[i] == '{' and line[i + 1:i + 2] == '{':
                    out.append('{{')
                    i += 2
                elif line[i] == '{':
                    end = _expression_end(line, i + 1)
                    expression = line[i + 1:end]
                    if quote in expression and other in expression:
                        raise AdjustmentError(f'cannot requote an expression using both quotes: {line.strip()}')
                    out.append('{' + expression.replace(quote, other) + '}')
                    i = end + 1
                else:
                    out.append(line[i])
                    i += 1
            if i < len(line):
                out.append(quote)
                i += 1
        else:
            out.append(line[i])
            i += 1
    return ''.join(out)


def requote_file(path):
    """Requote the lines that make ``path`` fail to compile; returns how many lines changed."""
    source = path.read_text()
    lines = source.splitlines(keepends=True)
    changed = 0
    for _ in range(20):  # one syntax error at a time
        error = compiles(''.join(lines), path)
        if error is None:
            break
        index = (error.lineno or 0) - 1
        if not 0 <= index < len(lines):
            raise AdjustmentError(f'{path}: {error}')
        fixed = requote_line(lines[index])
        if fixed == lines[index]:
            raise AdjustmentError(f'{path}:{error.lineno}: does not compile on Python '
                                  f'{sys.version.split()[0]} and is no f-string this script knows how to requote: '
                                  f'{error.msg}')
        lines[index] = fixed
        changed += 1
    else:
        raise AdjustmentError(f'{path}: still does not compile after 20 requoted lines')
    if changed:
        new_source = ''.join(lines)
        # the tokens outside the requoted f-strings must be the same as before
        list(tokenize.generate_tokens(io.StringIO(new_source).readline))
        path.write_text(new_source)
    return changed


def adjust(site_packages):
    package = site_packages / 'indico'
    if not package.is_dir():
        raise AdjustmentError(f'no indico package in {site_packages}')
    failing = sorted(p for p in package.rglob('*.py') if compiles(p.read_bytes(), p) is not None)
    unknown = [p for p in failing if p.relative_to(package).as_posix() not in KNOWN_FILES]
    if unknown:
        names = ', '.join(str(p) for p in unknown)
        raise AdjustmentError(f'these files of the installed Indico do not compile on Python '
                              f'{sys.version.split()[0]} and are not known to need requoting: {names}')
    for path in failing:
        count = requote_file(path)
        print(f'indico33_on_py311: requoted {count} line(s) in {path.relative_to(site_packages)}')
    (site_packages / f'{BACKPORT_MODULE}.py').write_text(BACKPORT_SOURCE)
    (site_packages / PTH_NAME).write_text(f'import {BACKPORT_MODULE}\n')
    print(f'indico33_on_py311: itertools.batched backport installed ({PTH_NAME})')


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    venv = Path(argv[1]).resolve()
    if Path(sys.prefix).resolve() != venv:
        print(f'indico33_on_py311: run this with the interpreter of {venv}, not {sys.executable}', file=sys.stderr)
        return 2
    if sys.version_info >= (3, 12):
        print(f'indico33_on_py311: Python {sys.version.split()[0]}: nothing to adjust')
        return 0
    try:
        adjust(Path(sysconfig.get_paths()['purelib']))
    except AdjustmentError as exc:
        print(f'indico33_on_py311: FAILED: {exc}', file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
