"""Who made a request: the app, library, browser or bot behind a User-Agent, and on which
device, as the Open Podcast Analytics Working Group's user-agent list (v2) names them.

The list ships in `agent_data/` (MIT; its `SOURCE.md` says which version) and is matched as
its README says: bots, apps, libraries, then browsers, and the first entry whose pattern
matches wins; devices are matched apart. A library the list marks as a bot (curl,
python-requests) is a bot. podsite's own rules (`agent_data/podsite.json`, each with its
reason) are asked only when the list names nothing. `podsite update-agents` refreshes the
list into the data folder without a release; `use_data_dir`, called as the app is made,
prefers that copy.

Each part's patterns are compiled into one RE2 set, which finds every entry matching an
agent in a single pass; the lowest index is the list's answer. That takes about 20 µs for a
new agent, where Python's `re`, trying 900 patterns one after another, took 190 to 330 µs
(bench/agents.py). Agents repeat, so verdicts are kept per distinct agent (bounded): a seen
one costs well under a microsecond.
"""

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cache, lru_cache
from pathlib import Path

import re2

from podsite.formats.user_agent_lists import (
    KINDS,
    AgentEntry,
    AgentFile,
    AgentListError,
    AgentLists,
)
from podsite.infrastructure import data_folder

UNKNOWN = 'Other'
SHIPPED = Path(__file__).with_name('agent_data')
LIST_FOLDER = 'user-agents'
"""Where in the data folder `podsite update-agents` puts a refreshed list."""
DEFAULT_SOURCE = 'https://github.com/opawg/user-agents-v2/archive/refs/heads/master.zip'
DFA_MEMORY = 32 << 20
CACHE_SIZE = 65_536
"""Distinct agents whose verdict is kept; a busy show sees a few thousand a day."""

logger = logging.getLogger(__name__)


class Kind(StrEnum):
    BOT = 'bot'
    APP = 'app'
    LIBRARY = 'library'
    BROWSER = 'browser'
    UNKNOWN = 'unknown'


_KIND_OF_FILE = {
    'bots': Kind.BOT,
    'apps': Kind.APP,
    'libraries': Kind.LIBRARY,
    'browsers': Kind.BROWSER,
}


@dataclass(frozen=True, slots=True)
class Agent:
    kind: Kind
    name: str
    """The list's name of the app, library, browser or bot; `Other` when nothing matched."""
    device: str
    """The list's name of the device (`Apple iPhone`, `Apple HomePod`); `Other` if unknown."""
    device_category: str | None
    """`mobile`, `computer`, `smart_speaker`, `smart_tv`, `watch` or `auto`."""

    @property
    def is_bot(self) -> bool:
        return self.kind is Kind.BOT


class _PatternSet:
    """Entries matched in their order, all at once."""

    def __init__(self, entries: Sequence[tuple[Kind, AgentEntry]], part: str) -> None:
        options = re2.Options()
        options.log_errors = False  # a bad pattern is reported below, with its entry
        # RE2's default 8 MB leaves the set's DFA too little room for the list's patterns:
        # it starts over and over, and a new agent took 210 µs instead of 20 (bench/agents.py);
        # the memory is spent only as states are needed, about 12 MB over the examples.
        options.max_mem = DFA_MEMORY
        self._entries = tuple(entries)
        self._set = re2.Set.SearchSet(options)
        for _, entry in self._entries:
            try:
                self._set.Add(entry.pattern)
            except re2.error as error:
                raise AgentListError(
                    f'the pattern of {entry.name!r} in {part} does not compile: {error}'
                ) from error
        try:
            self._set.Compile()
        except re2.error as error:
            raise AgentListError(f'the patterns of {part} do not compile together') from error

    def first(self, text: str) -> tuple[Kind, AgentEntry] | None:
        found = self._set.Match(text)
        return self._entries[min(found)] if found else None


class AgentMatcher:
    def __init__(self, lists: AgentLists, additions: AgentFile) -> None:
        self._named = _PatternSet(
            [
                (_kind(name, entry), entry)
                for name in KINDS
                for entry in getattr(lists, name).entries
            ],
            'the list',
        )
        self._additions = _PatternSet(
            [(_kind('apps', entry), entry) for entry in additions.entries], 'podsite.json'
        )
        self._devices = _PatternSet(
            [(Kind.UNKNOWN, entry) for entry in lists.devices.entries], 'devices.json'
        )

    def identify(self, user_agent: str) -> Agent:
        text = _normalised(user_agent)
        named = self._named.first(text) or self._additions.first(text)
        device = self._devices.first(text)
        return Agent(
            kind=named[0] if named else Kind.UNKNOWN,
            name=named[1].name if named else UNKNOWN,
            device=device[1].name if device else UNKNOWN,
            device_category=device[1].category if device else None,
        )


def _kind(file: str, entry: AgentEntry) -> Kind:
    return Kind.BOT if entry.category == 'bot' else _KIND_OF_FILE[file]


def _normalised(user_agent: str) -> str:
    """Newlines removed, as the list asks. Servers hand headers over as Latin-1, so an app
    named in another script (Apple Podcasts in Arabic: `البودكاست/1530.3 CFNetwork/...`)
    arrives as mojibake; read as the UTF-8 it was sent in, it matches the list again."""
    text = user_agent.replace('\r', '').replace('\n', '')
    if not text.isascii():
        with contextlib.suppress(UnicodeError):
            text = text.encode('latin-1').decode('utf-8')
    return text


@cache
def _additions() -> AgentFile:
    return AgentFile.model_validate_json((SHIPPED / 'podsite.json').read_text())


@cache
def shipped_matcher() -> AgentMatcher:
    return AgentMatcher(AgentLists.read(SHIPPED), _additions())


def load_matcher(data_dir: Path) -> AgentMatcher:
    """The refreshed list in `data_dir` when there is a usable one, else the shipped one."""
    folder = data_dir / LIST_FOLDER
    if folder.is_dir():
        try:
            return AgentMatcher(AgentLists.read(folder), _additions())
        except AgentListError as error:
            logger.warning('the user-agent list in %s is not used: %s', folder, error)
    return shipped_matcher()


@dataclass
class _InUse:
    """The matcher `identify` asks: one per process, since verdicts are kept per agent."""

    matcher: AgentMatcher | None = None
    data_dir: Path | None = None


_in_use = _InUse()


def use_data_dir(data_dir: Path) -> None:
    """Match with the list in `data_dir` from now on (the shipped one if it has none)."""
    data_dir = data_dir.resolve()  # the default is relative to where podsite runs
    if _in_use.matcher is not None and _in_use.data_dir == data_dir:
        return
    _in_use.matcher, _in_use.data_dir = load_matcher(data_dir), data_dir
    identify.cache_clear()


@lru_cache(maxsize=CACHE_SIZE)
def identify(user_agent: str) -> Agent:
    return (_in_use.matcher or shipped_matcher()).identify(user_agent)


def classify(user_agent: str) -> tuple[str, str]:
    """(app, platform) for reports: the list's names of what asked and of the device."""
    agent = identify(user_agent)
    return agent.name, agent.device


def update_list(source: str, data_dir: Path) -> AgentLists:
    """Fetch or read the list at `source` (an archive's URL or path, or a folder), check it,
    and put it in `data_dir` for the next start. A broken or foreign source changes nothing:
    `AgentListError` says why."""
    lists = data_folder.read_source(source, AgentLists.read, AgentListError)
    AgentMatcher(lists, _additions())  # every pattern must compile before anything is replaced
    data_folder.install(
        data_dir,
        LIST_FOLDER,
        lists.write,
        provenance=f'The OPAWG user-agent list, from {source} (MIT licence, see '
        'agent_data/LICENSE in podsite)',
    )
    return lists
