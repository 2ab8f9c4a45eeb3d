"""The wheel build compiles the translation catalogs: the .mo files are build products, never committed.

Everything else is declared in setup.cfg. ``build_py`` writes ``messages.mo`` beside each ``messages.po`` in the
build directory, so a wheel (or a package built from the sdist) always carries the catalogs of its own sources.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py


class BuildPyWithCatalogs(build_py):
    def run(self):
        super().run()
        from babel.messages.mofile import write_mo
        from babel.messages.pofile import read_po

        for po in sorted(Path('indico_vc_zoom/translations').glob('*/LC_MESSAGES/messages.po')):
            with po.open('rb') as f:
                catalog = read_po(f, locale=po.parts[-3])
            target = Path(self.build_lib) / po.with_suffix('.mo')
            target.parent.mkdir(parents=True, exist_ok=True)
            with target.open('wb') as f:
                write_mo(f, catalog, use_fuzzy=False)


setup(cmdclass={'build_py': BuildPyWithCatalogs})
