"""benchmarks/results.md: each benchmark replaces its own section and keeps the others (other files, Indico lines)."""

from pathlib import Path


RESULTS = Path(__file__).with_name('results.md')
TITLE = '# Benchmarks (measured)'


def write_section(title, body_lines):
    """Replace (or append) the section ``## {title}`` of results.md with ``body_lines``; print it."""
    section = '\n'.join([f'## {title}', '', *body_lines]).rstrip('\n')
    text = RESULTS.read_text() if RESULTS.exists() else ''
    sections = [part for part in text.split('\n## ')[1:] if not part.startswith(f'{title}\n')]
    sections = sorted([*(f'## {part}'.rstrip('\n') for part in sections), section])
    RESULTS.write_text('\n\n'.join([TITLE, 'Produced by `bash scripts/bench` (see `benchmarks/`).', *sections]) + '\n')
    print('\n' + section)
