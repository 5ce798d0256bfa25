"""The rooms keep their doors: what each package of podsite may import, read from its source.

Format code is pure (no database, no web framework), the data models know only each other,
services reach no web framework and no page logic, and view models read services, never the
models behind them; views reach services only through view models.
"""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import podsite

PACKAGE = Path(podsite.__file__).parent
WEB = {'quart', 'werkzeug', 'chameleon_rs', 'granian'}
PAGES = {'podsite.viewmodels', 'podsite.views', 'podsite.tools'}

NOT_IMPORTED = {
    'formats': WEB | {'sqlalchemy', 'podsite.data', 'podsite.services', 'podsite.infrastructure'}
    | PAGES,
    'schemas': WEB | {'sqlalchemy', 'podsite.data', 'podsite.services', 'podsite.infrastructure'}
    | PAGES,
    'data': WEB | {'podsite.schemas', 'podsite.services', 'podsite.infrastructure'} | PAGES,
    'services': {'quart', 'werkzeug', 'chameleon_rs', 'granian'} | PAGES,
    'viewmodels': {'podsite.data', 'podsite.views', 'podsite.tools', 'sqlalchemy'},
    'views': {'podsite.data', 'podsite.services', 'podsite.tools', 'sqlalchemy'},
}  # fmt: skip


def imported_names(path: Path, source: str) -> Iterator[str]:
    """Every module the source of the module at `path` imports, and every name it imports
    from one, in absolute form (`from ..data import Episode` in `podsite/viewmodels/x.py` is
    `podsite.data.Episode`)."""
    package = path.relative_to(PACKAGE.parent).parent.parts
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else ()
            module = '.'.join((*base, *([node.module] if node.module else [])))
            yield module
            yield from (f'{module}.{alias.name}' for alias in node.names)


def is_within(name: str, package: str) -> bool:
    return name == package or name.startswith(f'{package}.')


@pytest.mark.parametrize('package', sorted(NOT_IMPORTED))
def test_a_package_imports_nothing_outside_its_room(package: str) -> None:
    modules = list((PACKAGE / package).rglob('*.py'))
    assert modules, package
    trespasses = sorted(
        f'{path.relative_to(PACKAGE)}: {name}'
        for path in modules
        for name in imported_names(path, path.read_text())
        if any(is_within(name, banned) for banned in NOT_IMPORTED[package])
    )
    assert trespasses == []


def test_relative_imports_are_read_as_the_modules_they_name() -> None:
    source = 'from ...data import Episode\nfrom . import views\nfrom .form import Form\n'
    names = set(imported_names(PACKAGE / 'viewmodels' / 'admin' / 'episodes.py', source))
    assert {'podsite.data.Episode', 'podsite.viewmodels.admin.views',
            'podsite.viewmodels.admin.form.Form'} <= names  # fmt: skip
