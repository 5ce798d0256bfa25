"""The OPAWG list's files, read from the layouts it comes in, and refused when broken."""

import io
import json
import zipfile
from pathlib import Path

import pytest

from podsite.formats.user_agent_lists import FILES, AgentListError, AgentLists
from podsite.services.analytics.agents import SHIPPED


def pattern_file(name: str) -> str:
    return (SHIPPED / f'{name}.json').read_text()


def archive(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, 'w') as zipped:
        for name, text in members.items():
            zipped.writestr(name, text)
    return buffer.getvalue()


def test_a_github_archive_of_the_repository_is_read() -> None:
    # As GitHub serves it: one top folder; src/ with examples, build/ with runtime files.
    members = {'user-agents-v2-master/README.md': '# user-agents-v2'}
    for name in FILES:
        source = json.loads(pattern_file(name))
        source['entries'][0]['examples'] = ['an example']
        members[f'user-agents-v2-master/src/{name}.json'] = json.dumps(source)
        members[f'user-agents-v2-master/build/{name}.runtime.json'] = pattern_file(name)

    lists = AgentLists.read(archive(members))

    assert lists == AgentLists.read(SHIPPED)
    assert lists.bots.entries[0].name == '7Siters Crawler'


def test_a_build_folder_is_read_and_written_back(tmp_path: Path) -> None:
    (tmp_path / 'build').mkdir()
    for name in FILES:
        (tmp_path / 'build' / f'{name}.runtime.json').write_text(pattern_file(name))
    lists = AgentLists.read(tmp_path)

    lists.write(tmp_path / 'copy')

    assert AgentLists.read(tmp_path / 'copy') == lists
    assert lists.libraries.entries[0].category == 'bot'


@pytest.mark.parametrize(
    ('members', 'message'),
    [
        ({'podcast.xml': '<rss/>'}, 'not the OPAWG user-agent list: no bots.json, apps.json'),
        ({f'{name}.json': '{"entries": [' for name in FILES}, 'bots.json in the download is not'),
        ({f'{name}.json': '{"entries": []}' for name in FILES}, 'at least 1 item'),
        ({f'{name}.json': '{"entries": [{"name": "x"}]}' for name in FILES},
         'entries.0.pattern: Field required'),
    ],
)  # fmt: skip
def test_foreign_or_broken_archives_are_refused_with_the_reason(
    members: dict[str, str], message: str
) -> None:
    with pytest.raises(AgentListError, match=message):
        AgentLists.read(archive(members))


def test_a_file_that_is_no_archive_is_refused(tmp_path: Path) -> None:
    path = tmp_path / 'agents.json'
    path.write_text(pattern_file('apps'))
    with pytest.raises(AgentListError, match='neither a folder nor a zip archive'):
        AgentLists.read(path)
