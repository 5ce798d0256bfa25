"""The demo catalogue: a believable developer podcast, generated from a seed, without a database.

Everything comes from one `random.Random(seed)` and fixed dates, so the same seed builds the same
site whatever the clock says, and every episode date lies in the past.
"""

import random
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal, NamedTuple

from pydantic import AwareDatetime, BaseModel, ConfigDict

from podsite.formats.durations import clock_text
from podsite.infrastructure.slugs import slugify

# The earliest a demo episode can be: a catalogue too long to fit weekly between it and the
# newest episode has its episodes closer together.
FIRST_EPISODE_AT = datetime(2015, 1, 5, 10, 0, tzinfo=UTC)
EPISODE_INTERVAL = timedelta(weeks=1)
RELEASE_HOUR = 10
DRAFT_COUNT = 2
MIN_EPISODES_WITH_DRAFTS = 10
MIN_DURATION_SECONDS = 1800
MAX_DURATION_SECONDS = 4500
AUDIO_BYTES_PER_SECOND = 16_000  # 128 kbps MP3
MIN_SPOKEN_WORDS = 2600
MAX_SPOKEN_WORDS = 5500
GUEST_AVATARS = 12
YOUTUBE_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
MEDIA_BASE_URL = 'https://media.podsite.example/episodes'

EpisodeType = Literal['full', 'trailer', 'bonus']
Role = Literal['host', 'guest']


class DemoModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class DemoPodcast(DemoModel):
    title: str
    subtitle: str
    description: str
    author: str
    owner_name: str
    owner_email: str
    language: str
    categories: list[list[str]]
    explicit: bool
    artwork_url: str
    website_url: str
    copyright: str
    funding_url: str
    funding_text: str
    update_frequency_text: str
    update_frequency_rrule: str
    subscribe_urls: dict[str, str]
    """The apps' own show pages; those derived from the feed's address are added as the
    demo is loaded, when the address is known."""


class DemoGuest(DemoModel):
    name: str
    slug: str
    bio: str
    photo_url: str
    website_url: str
    social_links: dict[str, str]


class DemoSponsor(DemoModel):
    name: str
    slug: str
    logo_url: str
    website_url: str
    description: str


class DemoAppearance(DemoModel):
    guest_slug: str
    role: Role
    position: int


class DemoPlacement(DemoModel):
    sponsor_slug: str
    position: int


class DemoCue(DemoModel):
    start: float
    end: float
    speaker: str
    text: str


class DemoTranscript(DemoModel):
    text: str
    cues: tuple[DemoCue, ...]


class DemoEpisode(DemoModel):
    number: int
    slug: str
    title: str
    subtitle: str
    summary: str
    show_notes: str
    published_at: AwareDatetime
    recorded_at: AwareDatetime
    is_published: bool
    duration_seconds: int
    media_url: str
    media_size_bytes: int
    media_type: str
    youtube_id: str | None
    season: int | None
    episode_type: EpisodeType
    explicit: bool
    guid: str
    appearances: tuple[DemoAppearance, ...]
    placements: tuple[DemoPlacement, ...]
    transcript: DemoTranscript | None


class DemoLiveStream(DemoModel):
    title: str
    description: str
    duration_minutes: int
    youtube_id: str
    starts_at: AwareDatetime | None
    """Fixed for a past stream; None for an upcoming one, placed by `days_ahead`."""
    days_ahead: int
    """An upcoming stream starts this many days after the demo is loaded (at 17:00 UTC), so
    the demo always has one ahead, whatever the clock says."""
    episode_number: int | None


class DemoCatalogue(DemoModel):
    seed: int
    podcast: DemoPodcast
    host: DemoGuest
    guests: tuple[DemoGuest, ...]
    """Everyone but the host, in order of their first appearance."""
    sponsors: tuple[DemoSponsor, ...]
    episodes: tuple[DemoEpisode, ...]
    live_streams: tuple[DemoLiveStream, ...] = ()

    @property
    def people(self) -> tuple[DemoGuest, ...]:
        return (self.host, *self.guests)


class Topic(NamedTuple):
    subjects: tuple[str, ...]
    tools: tuple[str, ...]


TOOL_URLS = {
    'Django': 'https://www.djangoproject.com',
    'Flask': 'https://flask.palletsprojects.com',
    'Quart': 'https://quart.palletsprojects.com',
    'FastAPI': 'https://fastapi.tiangolo.com',
    'HTMX': 'https://htmx.org',
    'Starlette': 'https://www.starlette.io',
    'Jinja': 'https://jinja.palletsprojects.com',
    'Gunicorn': 'https://gunicorn.org',
    'Uvicorn': 'https://www.uvicorn.org',
    'Granian': 'https://github.com/emmett-framework/granian',
    'Celery': 'https://docs.celeryq.dev',
    'pandas': 'https://pandas.pydata.org',
    'Polars': 'https://pola.rs',
    'NumPy': 'https://numpy.org',
    'DuckDB': 'https://duckdb.org',
    'Jupyter': 'https://jupyter.org',
    'Matplotlib': 'https://matplotlib.org',
    'Apache Arrow': 'https://arrow.apache.org',
    'Dask': 'https://www.dask.org',
    'marimo': 'https://marimo.io',
    'Altair': 'https://altair-viz.github.io',
    'pytest': 'https://docs.pytest.org',
    'Hypothesis': 'https://hypothesis.readthedocs.io',
    'coverage.py': 'https://coverage.readthedocs.io',
    'tox': 'https://tox.wiki',
    'nox': 'https://nox.thea.codes',
    'Playwright': 'https://playwright.dev/python/',
    'Locust': 'https://locust.io',
    'mutmut': 'https://github.com/boxed/mutmut',
    'pip': 'https://pip.pypa.io',
    'uv': 'https://docs.astral.sh/uv/',
    'Poetry': 'https://python-poetry.org',
    'Hatch': 'https://hatch.pypa.io',
    'setuptools': 'https://setuptools.pypa.io',
    'PyPI': 'https://pypi.org',
    'conda': 'https://docs.conda.io',
    'pipx': 'https://pipx.pypa.io',
    'twine': 'https://twine.readthedocs.io',
    'asyncio': 'https://docs.python.org/3/library/asyncio.html',
    'Trio': 'https://trio.readthedocs.io',
    'AnyIO': 'https://anyio.readthedocs.io',
    'HTTPX': 'https://www.python-httpx.org',
    'aiohttp': 'https://docs.aiohttp.org',
    'uvloop': 'https://github.com/MagicStack/uvloop',
    'mypy': 'https://mypy-lang.org',
    'Pyright': 'https://github.com/microsoft/pyright',
    'Ruff': 'https://docs.astral.sh/ruff/',
    'Black': 'https://black.readthedocs.io',
    'Pydantic': 'https://docs.pydantic.dev',
    'attrs': 'https://www.attrs.org',
    'pre-commit': 'https://pre-commit.com',
    'PostgreSQL': 'https://www.postgresql.org',
    'SQLite': 'https://sqlite.org',
    'SQLAlchemy': 'https://www.sqlalchemy.org',
    'Alembic': 'https://alembic.sqlalchemy.org',
    'Redis': 'https://redis.io',
    'asyncpg': 'https://github.com/MagicStack/asyncpg',
    'MongoDB': 'https://www.mongodb.com',
    'Docker': 'https://www.docker.com',
    'Kubernetes': 'https://kubernetes.io',
    'nginx': 'https://nginx.org',
    'Ansible': 'https://www.ansible.com',
    'GitHub Actions': 'https://docs.github.com/actions',
    'Terraform': 'https://www.terraform.io',
    'OpenTelemetry': 'https://opentelemetry.io',
    'Prometheus': 'https://prometheus.io',
    'Grafana': 'https://grafana.com',
    'scikit-learn': 'https://scikit-learn.org',
    'PyTorch': 'https://pytorch.org',
    'JAX': 'https://jax.readthedocs.io',
    'Transformers': 'https://huggingface.co/docs/transformers',
    'spaCy': 'https://spacy.io',
    'MLflow': 'https://mlflow.org',
    'Cython': 'https://cython.org',
    'PyPy': 'https://pypy.org',
    'Numba': 'https://numba.pydata.org',
    'PyO3': 'https://pyo3.rs',
    'py-spy': 'https://github.com/benfred/py-spy',
    'Scalene': 'https://github.com/plasma-umass/scalene',
    'memray': 'https://bloomberg.github.io/memray/',
    'Typer': 'https://typer.tiangolo.com',
    'Click': 'https://click.palletsprojects.com',
    'Rich': 'https://rich.readthedocs.io',
    'Textual': 'https://textual.textualize.io',
    'argparse': 'https://docs.python.org/3/library/argparse.html',
    'Bandit': 'https://bandit.readthedocs.io',
    'pip-audit': 'https://github.com/pypa/pip-audit',
    'Sigstore': 'https://www.sigstore.dev',
    'Trivy': 'https://trivy.dev',
    'Sphinx': 'https://www.sphinx-doc.org',
    'MkDocs': 'https://www.mkdocs.org',
    'Read the Docs': 'https://readthedocs.org',
    'Exercism': 'https://exercism.org',
    'Thonny': 'https://thonny.org',
    'MicroPython': 'https://micropython.org',
    'CircuitPython': 'https://circuitpython.org',
    'Raspberry Pi': 'https://www.raspberrypi.com',
    'PyScript': 'https://pyscript.net',
    'Pyodide': 'https://pyodide.org',
    'BeeWare': 'https://beeware.org',
    'Home Assistant': 'https://www.home-assistant.io',
}
GENERAL_LINKS = (
    ('The Python documentation', 'https://docs.python.org/3/'),
    ('Index of Python Enhancement Proposals', 'https://peps.python.org'),
    ('Python Packaging User Guide', 'https://packaging.python.org'),
    ("Python Developer's Guide", 'https://devguide.python.org'),
    ('Python Software Foundation', 'https://www.python.org/psf-landing/'),
    ('PyCon US', 'https://us.pycon.org'),
    ('OWASP Top Ten', 'https://owasp.org/www-project-top-ten/'),
)
TOPICS = (
    Topic(
        ('server-side rendering', 'REST APIs', 'WebSockets', 'HTML over the wire',
         'authentication', 'template engines', 'ASGI servers', 'background jobs'),
        ('Django', 'Flask', 'Quart', 'FastAPI', 'HTMX', 'Starlette', 'Jinja', 'Gunicorn',
         'Uvicorn', 'Granian', 'Celery'),
    ),
    Topic(
        ('dataframes', 'data pipelines', 'notebook workflows', 'data visualisation',
         'columnar storage', 'analytics engineering', 'reproducible analysis'),
        ('pandas', 'Polars', 'NumPy', 'DuckDB', 'Jupyter', 'Matplotlib', 'Apache Arrow', 'Dask',
         'marimo', 'Altair'),
    ),
    Topic(
        ('property-based testing', 'test fixtures', 'flaky tests', 'end-to-end testing',
         'load testing', 'mutation testing', 'test-driven development'),
        ('pytest', 'Hypothesis', 'coverage.py', 'tox', 'nox', 'Playwright', 'Locust', 'mutmut'),
    ),
    Topic(
        ('Python packaging', 'dependency management', 'lock files', 'virtual environments',
         'publishing to PyPI', 'reproducible builds', 'monorepos'),
        ('pip', 'uv', 'Poetry', 'Hatch', 'setuptools', 'PyPI', 'conda', 'pipx', 'twine'),
    ),
    Topic(
        ('async Python', 'concurrency', 'structured concurrency', 'event loops',
         'the free-threaded build', 'rate limiting', 'streaming responses'),
        ('asyncio', 'Trio', 'AnyIO', 'HTTPX', 'aiohttp', 'uvloop'),
    ),
    Topic(
        ('type hints', 'static analysis', 'code formatting', 'data validation',
         'refactoring legacy code', 'code review'),
        ('mypy', 'Pyright', 'Ruff', 'Black', 'Pydantic', 'attrs', 'pre-commit'),
    ),
    Topic(
        ('database migrations', 'ORMs', 'query performance', 'connection pooling', 'caching',
         'schema design'),
        ('PostgreSQL', 'SQLite', 'SQLAlchemy', 'Alembic', 'Redis', 'asyncpg', 'MongoDB'),
    ),
    Topic(
        ('containers', 'deployment', 'observability', 'infrastructure as code',
         'continuous integration', 'incident response', 'self-hosting'),
        ('Docker', 'Kubernetes', 'nginx', 'Ansible', 'GitHub Actions', 'Terraform',
         'OpenTelemetry', 'Prometheus', 'Grafana'),
    ),
    Topic(
        ('machine learning in production', 'model evaluation', 'natural language processing',
         'feature engineering', 'GPU computing', 'experiment tracking'),
        ('scikit-learn', 'PyTorch', 'JAX', 'Transformers', 'spaCy', 'MLflow'),
    ),
    Topic(
        ('profiling', 'memory usage', 'Python performance', 'Rust extensions',
         'just-in-time compilation', 'startup time'),
        ('Cython', 'PyPy', 'Numba', 'PyO3', 'py-spy', 'Scalene', 'memray'),
    ),
    Topic(
        ('command-line tools', 'terminal user interfaces', 'developer experience',
         'automation scripts', 'configuration files'),
        ('Typer', 'Click', 'Rich', 'Textual', 'argparse'),
    ),
    Topic(
        ('supply chain security', 'secrets management', 'dependency auditing', 'secure defaults',
         'threat modelling'),
        ('Bandit', 'pip-audit', 'Sigstore', 'Trivy'),
    ),
    Topic(
        ('teaching Python', 'learning to code', 'technical writing', 'mentoring',
         'career changes', 'open source maintenance', 'community building'),
        ('Sphinx', 'MkDocs', 'Read the Docs', 'Exercism', 'Thonny'),
    ),
    Topic(
        ('MicroPython on microcontrollers', 'Python in the browser', 'mobile apps in Python',
         'home automation', 'hardware prototyping'),
        ('MicroPython', 'CircuitPython', 'Raspberry Pi', 'PyScript', 'Pyodide', 'BeeWare',
         'Home Assistant'),
    ),
)  # fmt: skip
ALL_TOOLS = tuple(TOOL_URLS)

FIRST_NAMES = (
    'Ada', 'Aisha', 'Akira', 'Alejandro', 'Alex', 'Alice', 'Amara', 'Amelie', 'Amir', 'Ana',
    'Anders', 'Andrea', 'Anika', 'Arjun', 'Asha', 'Ayodele', 'Beatriz', 'Ben', 'Bianca', 'Bruno',
    'Camila', 'Carlos', 'Chen', 'Chidi', 'Chloe', 'Clara', 'Daniel', 'Dara', 'David', 'Deepa',
    'Diego', 'Dmitri', 'Elena', 'Eli', 'Elif', 'Emeka', 'Emma', 'Erik', 'Esther', 'Fatima',
    'Felix', 'Fernanda', 'Finn', 'Freya', 'Gabriel', 'Grace', 'Hana', 'Hannah', 'Hiroshi',
    'Hugo', 'Ibrahim', 'Ida', 'Ines', 'Ingrid', 'Isaac', 'Ivan', 'Jade', 'Jamal', 'James',
    'Javier', 'Jin', 'Joana', 'Joao', 'Jonas', 'Jordan', 'Jose', 'Julia', 'Kai', 'Karim', 'Kate',
    'Keiko', 'Kenji', 'Kofi', 'Laila', 'Lars', 'Laura', 'Leila', 'Leo', 'Liam', 'Lina', 'Lucia',
    'Luis', 'Malik', 'Marco', 'Maria', 'Mateo', 'Matteo', 'Maxime', 'Maya', 'Mei', 'Miguel',
    'Mina', 'Mohammed', 'Nadia', 'Naledi', 'Nikhil', 'Nina', 'Noah', 'Nora', 'Olga', 'Olivia',
    'Omar', 'Oscar', 'Pablo', 'Paula', 'Priya', 'Rafael', 'Rahul', 'Rania', 'Ravi', 'Renee',
    'Rohan', 'Rosa', 'Ruth', 'Samira', 'Santiago', 'Sara', 'Sebastian', 'Sergei', 'Shreya',
    'Simone', 'Sofia', 'Sora', 'Stefan', 'Tariq', 'Tess', 'Thandiwe', 'Theo', 'Tobias', 'Tomas',
    'Uma', 'Valentina', 'Victor', 'Wei', 'Yara', 'Yuki', 'Yusuf', 'Zainab', 'Zanele', 'Zoe',
)  # fmt: skip
LAST_NAMES = (
    'Abe', 'Adeyemi', 'Ahmed', 'Alvarez', 'Andersen', 'Ansah', 'Bakker', 'Banerjee', 'Barros',
    'Becker', 'Bergstrom', 'Bianchi', 'Bose', 'Brennan', 'Campbell', 'Carvalho', 'Castillo',
    'Chang', 'Chowdhury', 'Cohen', 'Costa', 'Dahl', 'Das', 'Demir', 'Dubois', 'Eriksson',
    'Esposito', 'Eze', 'Farouk', 'Fernandes', 'Fischer', 'Fitzgerald', 'Fonseca', 'Fontaine',
    'Garcia', 'Ghosh', 'Gomez', 'Greco', 'Gupta', 'Haddad', 'Halvorsen', 'Hansen', 'Hayashi',
    'Herrera', 'Hoffmann', 'Horvat', 'Hughes', 'Ibarra', 'Ilunga', 'Ito', 'Iyer', 'Jansen',
    'Jimenez', 'Johansson', 'Jovanovic', 'Kapoor', 'Kariuki', 'Kato', 'Keller', 'Khan', 'Kim',
    'Kowalski', 'Kruger', 'Kumar', 'Lambert', 'Larsen', 'Laurent', 'Lee', 'Lehmann', 'Lindqvist',
    'Lopes', 'Lund', 'Mahlangu', 'Marino', 'Martins', 'Mendes', 'Mensah', 'Meyer', 'Morales',
    'Moreau', 'Mukherjee', 'Murphy', 'Mwangi', 'Nakamura', 'Nguyen', 'Nilsson', 'Novak', 'Nwosu',
    'Ogunleye', 'Okonkwo', 'Olsen', 'Ortiz', 'Owusu', 'Oyelaran', 'Pacheco', 'Park', 'Patel',
    'Pereira', 'Petrov', 'Pham', 'Popescu', 'Quinn', 'Qureshi', 'Rahman', 'Ramos', 'Rao',
    'Reddy', 'Richter', 'Rivera', 'Rossi', 'Russo', 'Saito', 'Sandoval', 'Santos', 'Sato',
    'Schmidt', 'Sharma', 'Silva', 'Singh', 'Sokolov', 'Suzuki', 'Takahashi', 'Tanaka',
    'Teixeira', 'Tran', 'Umeh', 'Valdez', 'Varga', 'Vasquez', 'Vogel', 'Wagner', 'Walsh', 'Wang',
    'Watanabe', 'Weber', 'Wojcik', 'Wolff', 'Wright', 'Xu', 'Yadav', 'Yamamoto', 'Yilmaz',
    'Zamora', 'Zhang', 'Zhou', 'Ziegler',
)  # fmt: skip
COMPANIES = (
    'Bramble Analytics', 'Kitewire', 'Lumen Health', 'Ferrous Robotics', 'Northgate Bank',
    'Copperleaf Studio', 'Tidewater Logistics', 'Quarry Labs', 'Saltmarsh Games', 'Orchid Bio',
    'Meridian Maps', 'Fernhill University', 'Stonefruit Software', 'Blue Heron Energy',
    'Parallax Media', 'Granite Insurance', 'Wildflower Education', 'Harbor Freight Systems',
    'Nimbus Weather', 'Oakline Retail', 'Pebble Payments', 'Redwood Research',
    'Lantern Civic Tech', 'Silverline Telecom', 'Thistle Security',
)  # fmt: skip
ROLES = (
    'staff engineer', 'data scientist', 'developer advocate', 'Python core developer',
    'independent consultant', 'engineering manager', 'research software engineer',
    'platform engineer', 'site reliability engineer', 'backend developer',
    'open source maintainer', 'machine learning engineer', 'security engineer', 'CTO',
    'principal engineer', 'technical writer', 'teacher and author',
)  # fmt: skip
PREVIOUS_WORK = (
    'building trading systems', 'teaching high school maths',
    'writing firmware for medical devices', 'running a small web agency',
    'doing research in computational biology', 'working on games',
    'as a sysadmin at a university', 'in the newsroom of a national paper',
    'building internal tools for a hospital', 'as a physicist who wrote a lot of Fortran',
    'on the infrastructure team of a streaming service', 'as a freelance WordPress developer',
)  # fmt: skip
HOBBIES = (
    'runs long distances, slowly', 'builds modular synthesizers', 'bakes sourdough',
    'climbs indoors and out', 'plays bass in a jazz trio', 'restores old bicycles',
    'is learning Japanese', 'keeps bees', 'grows far too many tomatoes', 'plays chess online',
    'hikes with two loud dogs', 'paints miniatures', 'sails on weekends',
)  # fmt: skip
CONCEPTS = (
    'backwards compatibility', 'error handling', 'naming things', 'observability',
    'test isolation', 'dependency pinning', 'type safety', 'caching', 'idempotency',
    'structured logging', 'code ownership', 'API design', 'documentation', 'onboarding',
    'release management', 'semantic versioning', 'configuration', 'feature flags',
    'graceful degradation', 'timeouts and retries', 'database indexes', 'memory layout',
    'lazy evaluation', 'immutability', 'separation of concerns', 'technical debt',
    'on-call rotations', 'accessibility', 'security defaults', 'reproducibility',
    'continuous delivery', 'pair programming', 'schema evolution', 'back pressure',
    'cold starts', 'deprecation policies', 'contributor experience', 'benchmarking',
)  # fmt: skip
THINGS = (
    'the test suite', 'the deploy pipeline', 'the build', 'the CI setup', 'the admin backend',
    'the public API', 'the data model', 'the release process', 'the monitoring dashboards',
    'the onboarding docs', 'the search index', 'the job queue', 'the billing code',
    'the legacy monolith', 'the config files', 'the migration scripts',
)  # fmt: skip
TEAMS = (
    'our team', 'the platform team', 'a small team of four', 'the data team', 'my last team',
    'the maintainers', 'most of the contributors', 'the whole company', 'the two of us',
)  # fmt: skip
TIMESPANS = (
    'a couple of weeks', 'about six months', 'two years', 'one long weekend', 'a single sprint',
    'most of last year', 'three months', 'way longer than planned',
)  # fmt: skip
NUMBERS = ('two', 'three', 'five', 'ten', 'twenty', 'forty', 'a hundred', 'a few thousand')
METRICS = (
    'latency', 'memory use', 'build time', 'test run time', 'cold start time', 'the error rate',
    'the cloud bill', 'page weight', 'time to first deploy', 'the number of support tickets',
)  # fmt: skip
CHANGES = (
    'dropped by half', 'went from minutes to seconds', 'got noticeably better',
    'stopped being a problem', 'fell by about forty percent', 'improved more than we expected',
)  # fmt: skip
AUDIENCES = (
    'new contributors', 'beginners', 'data scientists', 'web developers', 'students',
    'our users', 'people on call', 'managers', 'people coming from other languages',
)  # fmt: skip
FEELINGS = ('surprised', 'nervous', 'skeptical', 'relieved', 'excited', 'a bit lost')
ADVICE = (
    'write the tests first', 'measure before you optimise', 'read the source',
    'keep the first version boring', 'pin your dependencies', 'automate the release',
    'write the docs as you go', 'talk to your users', 'delete code whenever you can',
    'ask for help earlier', 'make the fast path the default',
)  # fmt: skip
PAINS = (
    'fought a flaky test', 'waited on a slow build', 'inherited a codebase with no docs',
    'been paged at three in the morning', 'struggled to package a Python app',
    'stared at a traceback for an hour', 'wondered why production is slower than your laptop',
)  # fmt: skip

GUEST_STATEMENTS = (
    'When we started, {thing} was the part nobody wanted to touch.',
    'We picked {tool} mostly because {team} already knew it.',
    'The first version took {time}, and honestly it was held together with tape.',
    'What surprised me was how much {concept} mattered once we had real traffic.',
    'After we switched to {tool}, {metric} {change}.',
    'I think a lot of {people} underestimate {concept}.',
    'My advice is always to {advice}.',
    'There is a great conference talk about {subject} that changed how I think about it.',
    "We still use {other} for some of the older services, and that's fine.",
    "The hard part of {subject} is not the code, it's agreeing on what done means.",
    'If you only take one thing away from this, {advice}.',
    '{tool} gives you a lot out of the box, but you still have to understand {concept}.',
    'We run {number} services on it today, and {thing} is still the bottleneck.',
    'I was {feeling} at first, because {concept} sounded like extra ceremony.',
    'Then we actually measured it, and {metric} {change}.',
    'People ask me whether they should learn {tool} or {other}, and it matters less than they'
    ' think.',
    'The documentation for {tool} is genuinely good, which is rarer than it should be.',
    "We wrote a small wrapper around {tool} so that {people} don't have to think about {concept}.",
    'Most of the bugs we found were in the glue code between {tool} and {other}.',
    'A lot of it comes down to {concept}, really.',
    "For {subject}, I'd start with the standard library and only reach for {tool} when it hurts.",
    'It took {team} {time} to migrate, and we learned a lot about {concept} along the way.',
    'Code review caught some of it, but {thing} caught the rest.',
    'I keep a checklist for {subject}, and {concept} is right at the top.',
    'You can get surprisingly far with {tool} and a bit of discipline.',
    'The community around {tool} is friendly, which matters a lot for {people}.',
    'We had an outage once because of {concept}, and it taught us to {advice}.',
    'Nobody gets {subject} right on the first try, so make it easy to change.',
    'I like that {tool} makes the simple things simple and the hard things possible.',
    'On the other hand, {other} has better support for {concept}.',
    'So we ended up with a hybrid, which is not pretty, but it works.',
    'Honestly, {concept} is where most of the time goes.',
    'I remember the day we turned it on, and {metric} {change} almost immediately.',
    "There's a version of {subject} that is really simple, and that's the one I recommend.",
    'We started writing everything down, and {people} found it much easier to join.',
    "I wouldn't say {tool} is magic, but it removes a whole class of mistakes.",
    'Type hints helped a lot here, especially around {concept}.',
    'The trick is to keep {thing} fast, otherwise people stop running it.',
    'We tried three different approaches to {subject} before one of them stuck.',
    "And that's when {team} realised the real problem was {concept}.",
    "It sounds obvious now, but at the time it really wasn't.",
    'I think the Python community is unusually good at {concept}.',
    'We have about {number} regular contributors now, which still amazes me.',
    'If I did it again, I would {advice} much earlier.',
    'Tools like {tool} and {other} make that a lot less painful than it used to be.',
    'Performance was fine, it was {concept} that kept us up at night.',
    'We put the {tool} version behind a feature flag and rolled it out slowly.',
    'The feedback from {people} was the most useful signal we had.',
    "So yes, {subject} is hard, but it's a good kind of hard.",
    'The moment you have {number} people touching {thing}, {concept} stops being optional.',
    'We rewrote {thing} in a weekend, and then spent {time} fixing the edge cases.',
    'I usually sketch the data model on paper before I write any {tool} code.',
    'Our rule is simple: if it is not in {thing}, it does not exist.',
    'What I tell {people} is to treat {concept} as a feature, not a chore.',
    'Most teams I talk to are somewhere in the middle, and that is completely fine.',
    'The error messages in {tool} have gotten so much better over the years.',
)
GUEST_OPENERS = (
    'Yeah, good question.', 'Sure.', "Oh, that's a fun one.", 'Hmm, let me think about that.',
    'Right, so.', 'Great question.', 'Yes, absolutely.', 'So, it depends a little.',
    'Okay, so the short version is this.', 'Ha, yes.',
)  # fmt: skip
HOST_QUESTIONS = (
    'How did you get started with {tool}?',
    'What would you tell someone who is just getting into {subject}?',
    'Where does {tool} fit in compared to {other}?',
    'What was the hardest part of {subject} for you?',
    'How do you think about {concept} in practice?',
    "Was there a moment where you thought, this isn't going to work?",
    'What surprised you most about {tool}?',
    'How do you test something like that?',
    "What's one thing you wish {people} knew about {concept}?",
    "Let's talk about {subject}. Where do you even start?",
    'If you had to rebuild it today, would you still pick {tool}?',
    'How did {metric} change after that?',
    'What does a normal week look like for you these days?',
    'How do you keep {thing} healthy over the years?',
    'Is {concept} something you design for up front, or something you add later?',
    "What's the story behind that?",
    'And how did the rest of the team react?',
    'Who should people follow if they want to learn more about {subject}?',
    'What would you do differently if you started over?',
    'How much of that is {tool} itself, and how much is the way you use it?',
)
HOST_REACTIONS = (
    'That makes a lot of sense.', 'I love that.', "Yeah, I've seen that too.", 'Interesting.',
    "That's a great point.", 'Oh, wow.', 'Right.', "Ha, I think we've all been there.",
    'That resonates with me.', "I hadn't thought about it that way.", "Okay, that's fair.",
    'Nice.', "That's a really practical way to put it.", 'Yes, exactly.',
)  # fmt: skip
HOST_ASIDES = (
    'I remember when {tool} first came out.',
    'For people listening, {tool} is well worth a look.',
    "We'll put a link to {tool} in the show notes.",
    "I've been using {other} for a while now myself.",
    'Let me push back on that a little, though.',
    'I think a lot of listeners will recognise that story.',
)
TITLES = (
    '{tool} in production',
    'Building {subject} with {tool}',
    'What {tool} taught us about {subject}',
    'A deep dive into {subject}',
    'The state of {subject} in {year}',
    'From {other} to {tool}: a migration story',
    '{tool} under the hood',
    'A year of {tool} at {company}',
    'Practical {subject}',
    '{Subject} for the rest of us',
    'Scaling {subject} without losing your mind',
    'Is {subject} worth it?',
    'Testing {subject} the boring way',
    '{tool} and {other}, side by side',
    'Debugging {subject} in the real world',
    '{Subject}, explained',
    'Rethinking {subject}',
    'Lessons from {subject} at {company}',
    'Shipping {subject} with a tiny team',
    "Inside {company}'s {subject} stack",
    '{Subject} with {tool} and {other}',
    'Getting {subject} right the first time',
)
BONUS_TITLES = (
    'Bonus: live from PyCon {year}',
    'Bonus: listener questions about {subject}',
    'Bonus: {tool} office hours',
    'Bonus: the {year} mid-year check-in',
    'Bonus: a quick chat about {subject}',
)
SUBTITLES = (
    '{guest} on {subject}, {tool} and what comes next.',
    'How {company} approaches {subject}, with {guest}.',
    "{guest} shares what works, and what doesn't, with {tool}.",
    'A conversation with {guest} about {subject} and {concept}.',
    '{guest} explains why {concept} matters more than you think.',
)
SUMMARY_OPENERS = (
    '{guests} {join} {host} to talk about {subject}.',
    'This week {guests} {be} on the show to dig into {subject} and {tool}.',
    '{host} sits down with {guests} to talk about {subject}.',
)
SUMMARY_MIDDLES = (
    'We cover {concept}, {concept2}, and how {tool} fits next to {other}.',
    'Along the way we get into {concept} and why {people} should care about it.',
    'We talk about {tool}, the mistakes worth making early, and {concept}.',
)
SUMMARY_CLOSERS = (
    'If you have ever {pain}, this one is for you.',
    "Stick around for {first}'s advice on {concept} near the end.",
    'Links to everything we mention are in the show notes.',
)
NOTE_SENTENCES = (
    '{first} walks us through how {company} uses {tool} for {subject}.',
    'We talk about {concept} and why it matters more than it first seems.',
    '{first} explains the trade-offs between {tool} and {other}.',
    'We also get into {concept2}, code review habits, and what makes a good first issue.',
    'There is a detour into {other}, a story about an outage, and some very practical advice.',
    'We finish with what {first} would tell someone starting out with {subject} today.',
    'If you only have ten minutes, jump to the chapter on {concept}.',
    '{first} also shares the checklist {company} uses before every release.',
)
CHAPTERS = (
    'How {first} got into Python',
    'What is {subject}, anyway?',
    '{tool} in practice',
    'Why {concept} matters',
    'Where {other} fits in',
    'Mistakes we made so you do not have to',
    'Testing and tooling',
    'Advice for people starting out',
    'Performance stories',
    "What's next for {first}",
)
ARTICLES = (
    '{Subject}: a practical guide',
    'Notes on {subject}',
    'How we use {tool} at {company}',
    'A gentle introduction to {concept}',
    '{tool} tips I wish I had known earlier',
    'The case for {concept}',
    'What I learned shipping {subject}',
    'A checklist for {concept}',
)

PODCAST_TITLE = 'The Traceback'
HOST_NAME = 'Robin Calloway'
HOST_SLUG = 'robin-calloway'
SHOW_WEBSITE = 'https://traceback.example.com'
# An id no real show has (Apple's are far from this range), so its derived links stay demo.
DEMO_APPLE_PODCASTS_URL = 'https://podcasts.apple.com/us/podcast/the-traceback/id1000000001'
SPONSORS = (
    ('Tracewell', 'Error tracking and performance monitoring that reads Python tracebacks the way'
     ' you do.'),
    ('Lintlight', 'Automated code review that catches the boring mistakes before your teammates'
     ' have to.'),
    ('Harborline', 'Managed PostgreSQL with point-in-time recovery and backups you never think'
     ' about.'),
    ('Quillcraft Learning', 'Hands-on Python courses written by working developers, for working'
     ' developers.'),
    ('Keystone Vault', 'Secrets management for small teams: no more API keys in your dotfiles.'),
    ('Pipewright', 'Data pipelines you can test locally and deploy with a single command.'),
    ('Relaymail', 'A transactional email API with logs you can actually search.'),
    ('Cedar Cloud', 'App hosting that runs your ASGI app, your workers and your cron jobs in one'
     ' place.'),
    ('Fieldnote', 'A knowledge base for engineering teams, with Markdown, search and diagrams.'),
    ('Orbit Jobs', 'A job board for Python developers, with salaries on every listing.'),
)  # fmt: skip


class _Person(NamedTuple):
    guest: DemoGuest
    first: str
    company: str
    github: str


class _Plan(NamedTuple):
    number: int
    episode_type: EpisodeType
    tools: tuple[str, ...]
    subjects: tuple[str, ...]
    related_tools: tuple[str, ...]
    cast: tuple[_Person, ...]
    sponsors: tuple[DemoSponsor, ...]
    published_at: datetime
    is_published: bool
    duration: int
    youtube_id: str | None


class _Slots(dict[str, str]):
    """Fills each `{slot}` of a template with a fresh random pick from that slot's pool."""

    def __init__(self, rng: random.Random, pools: dict[str, tuple[str, ...]]) -> None:
        super().__init__()
        self._choice = rng.choice
        self._pools = pools

    def __missing__(self, key: str) -> str:
        return self._choice(self._pools[key])

    def fill(self, template: str) -> str:
        return template.format_map(self)


BASE_POOLS: dict[str, tuple[str, ...]] = {
    'concept': CONCEPTS,
    'concept2': CONCEPTS,
    'thing': THINGS,
    'team': TEAMS,
    'time': TIMESPANS,
    'number': NUMBERS,
    'metric': METRICS,
    'change': CHANGES,
    'people': AUDIENCES,
    'feeling': FEELINGS,
    'advice': ADVICE,
    'pain': PAINS,
}


def generate_catalogue(
    *, episodes: int = 300, seed: int = 2026, today: date | None = None
) -> DemoCatalogue:
    """A whole show: `episodes` episodes, about half as many guests, ten sponsors.

    Dated as a show that is running on `today` (by default the day it is generated): the
    newest episode came out a week earlier, the others weekly before it; with enough
    episodes for drafts, the next is scheduled for a week later and the last is a draft.
    The same seed and day give the same catalogue."""
    if episodes < 1:
        raise ValueError('a demo catalogue needs at least one episode')
    dates = _Calendar(today or datetime.now(UTC).date(), total=episodes)
    rng = random.Random(seed)
    host = _host()
    people = _guests(rng, count=max(1, episodes // 2))
    sponsors = _sponsors()
    casts = _casts(rng, episodes=episodes, guests=len(people))
    writer = _Writer(rng, host)
    taken_slugs: set[str] = set()
    built: list[DemoEpisode] = []
    for index, cast_indexes in enumerate(casts):
        plan = _plan(
            rng,
            number=index + 1,
            total=episodes,
            cast=tuple(people[i] for i in cast_indexes),
            sponsors=sponsors,
            published_at=dates.of(index + 1),
        )
        built.append(writer.episode(plan, taken_slugs))
    return DemoCatalogue(
        seed=seed,
        podcast=_podcast(first_year=built[0].published_at.year, last_year=dates.latest.year),
        host=host.guest,
        guests=tuple(person.guest for person in people),
        sponsors=sponsors,
        episodes=tuple(built),
        live_streams=_live_streams(rng, built, released_by=dates.latest),
    )


def _live_streams(
    rng: random.Random, episodes: list[DemoEpisode], *, released_by: datetime
) -> tuple[DemoLiveStream, ...]:
    """One past stream that became the newest released episode, and one ahead."""
    streams = []
    published = [
        episode
        for episode in episodes
        if episode.is_published and episode.published_at <= released_by
    ]
    if published:
        episode = published[-1]
        streams.append(
            DemoLiveStream(
                title=f'Live recording: {episode.title}',
                description=(
                    f'We recorded episode {episode.number} live, with questions from the chat.\n\n'
                    f'{episode.summary}'
                ),
                duration_minutes=90,
                youtube_id=episode.youtube_id or ''.join(rng.choices(YOUTUBE_ID_ALPHABET, k=11)),
                # The Wednesday evening before the Monday release.
                starts_at=(episode.published_at - timedelta(days=5)).replace(hour=17),
                days_ahead=0,
                episode_number=episode.number,
            )
        )
    streams.append(
        DemoLiveStream(
            title='Live Q&A: your questions about packaging Python',
            description=(
                f'{HOST_NAME} answers your questions live. Bring the **pyproject.toml** that '
                'puzzles you, and ask in the YouTube chat.\n\n'
                '- lock files and reproducible installs\n'
                '- publishing to PyPI from CI\n'
                '- when to split a package in two'
            ),
            duration_minutes=60,
            youtube_id=''.join(rng.choices(YOUTUBE_ID_ALPHABET, k=11)),
            starts_at=None,
            days_ahead=7,
            episode_number=None,
        )
    )
    return tuple(streams)


def _podcast(*, first_year: int, last_year: int) -> DemoPodcast:
    return DemoPodcast(
        title=PODCAST_TITLE,
        subtitle='Conversations with the people who build things in Python',
        description=(
            f'{PODCAST_TITLE} is a weekly conversation about Python and the craft of software. '
            f'Each episode, {HOST_NAME} talks with developers, maintainers, teachers and data '
            'scientists about the tools they use, the mistakes they made along the way, and what '
            'they would do differently next time. Practical, friendly and occasionally nerdy.'
        ),
        author=HOST_NAME,
        owner_name=HOST_NAME,
        owner_email='hello@example.com',
        language='en',
        categories=[['Technology'], ['Education', 'Courses']],
        explicit=False,
        artwork_url='/static/img/demo/artwork.png',
        website_url=SHOW_WEBSITE,
        copyright=f'© {first_year}-{last_year} {HOST_NAME}',
        funding_url=f'{SHOW_WEBSITE}/support',
        funding_text='Support the show',
        update_frequency_text='Weekly, on Mondays',
        update_frequency_rrule='FREQ=WEEKLY;BYDAY=MO',
        subscribe_urls={
            'apple_podcasts': DEMO_APPLE_PODCASTS_URL,
            'spotify': 'https://open.spotify.com/show/0TracebackDemoShow00',
            'youtube': 'https://www.youtube.com/@thetracebackdemo',
            'podcast_index': 'https://podcastindex.org/podcast/920000',
        },
    )


def _host() -> _Person:
    guest = DemoGuest(
        name=HOST_NAME,
        slug=HOST_SLUG,
        bio=(
            f'{HOST_NAME} hosts {PODCAST_TITLE}. Robin has written Python for a living since the '
            'days of Python 2.5, mostly web backends and the tooling around them. Robin teaches '
            'workshops on testing and packaging, and is happiest when a deploy is boring.'
        ),
        photo_url='/static/img/demo/guest-1.svg',
        website_url=SHOW_WEBSITE,
        social_links={
            'Mastodon': 'https://mastodon.example.com/@robin',
            'GitHub': 'https://github.com/robin-calloway-demo',
        },
    )
    return _Person(guest, 'Robin', PODCAST_TITLE, 'https://github.com/robin-calloway-demo')


def _sponsors() -> tuple[DemoSponsor, ...]:
    return tuple(
        DemoSponsor(
            name=name,
            slug=slugify(name),
            logo_url=f'/static/img/demo/sponsor-{index}.svg',
            website_url=f'https://{slugify(name).replace("-", "")}.example.com',
            description=description,
        )
        for index, (name, description) in enumerate(SPONSORS, start=1)
    )


def _names(rng: random.Random, count: int) -> list[str]:
    """Distinct names; past every first/last pairing, a middle initial makes more."""
    firsts, lasts = len(FIRST_NAMES), len(LAST_NAMES)
    pairs = firsts * lasts
    names = [
        f'{FIRST_NAMES[pick // lasts]} {LAST_NAMES[pick % lasts]}'
        for pick in rng.sample(range(pairs), min(count, pairs))
    ]
    if count > pairs:
        for pick in rng.sample(range(pairs * 26), count - pairs):
            initial, pair = divmod(pick, pairs)
            first, last = FIRST_NAMES[pair // lasts], LAST_NAMES[pair % lasts]
            names.append(f'{first} {chr(ord("A") + initial)}. {last}')
    return names


def _guests(rng: random.Random, *, count: int) -> list[_Person]:
    taken = {HOST_SLUG}
    people: list[_Person] = []
    for name in _names(rng, count):
        first = name.split(' ', 1)[0]
        slug = _unique(slugify(name), taken)
        handle = slug.replace('-', '')
        company = rng.choice(COMPANIES)
        role = rng.choice(ROLES)
        area = rng.choice(rng.choice(TOPICS).subjects)
        extras = [
            f'Before that, {first} spent {rng.randint(2, 12)} years {rng.choice(PREVIOUS_WORK)}.',
            f'{first} contributes to {rng.choice(ALL_TOOLS)} and a handful of smaller packages.',
            f'{first} speaks regularly at Python conferences about {area}.',
            f'{first} writes about {rng.choice(CONCEPTS)} and {area} on their blog.',
            f'Outside of work, {first} {rng.choice(HOBBIES)}.',
            f'{first} co-organises a local Python meetup.',
        ]
        bio = ' '.join(
            [
                f'{name} is {_a(role)} {role} at {company}, working mostly on {area}.',
                *rng.sample(extras, rng.randint(1, 3)),
            ]
        )
        github = f'https://github.com/{handle}'
        social = {'GitHub': github}
        if rng.random() < 0.7:
            social['Mastodon'] = f'https://mastodon.example.com/@{handle}'
        if rng.random() < 0.4:
            social['Bluesky'] = f'https://bsky.app/profile/{handle}.example.com'
        guest = DemoGuest(
            name=name,
            slug=slug,
            bio=bio,
            photo_url=f'/static/img/demo/guest-{rng.randint(1, GUEST_AVATARS)}.svg',
            website_url=f'https://{slug}.example.com',
            social_links=social,
        )
        people.append(_Person(guest, first, company, github))
    return people


def _casts(rng: random.Random, *, episodes: int, guests: int) -> list[list[int]]:
    """Guest indexes per episode: each guest debuts once, in index order, and may come back."""
    debuts = [0, *sorted(rng.sample(range(1, episodes), guests - 1))]
    casts: list[list[int]] = []
    introduced = 0
    for index in range(episodes):
        cast: list[int] = []
        if introduced < guests and debuts[introduced] == index:
            cast.append(introduced)
            introduced += 1
        size = rng.choices((1, 2, 3), weights=(6, 3, 1))[0]
        for _attempt in range(6):
            if len(cast) >= size:
                break
            returning = rng.randrange(introduced)
            if returning not in cast:
                cast.append(returning)
        casts.append(cast)
    return casts


def _plan(
    rng: random.Random,
    *,
    number: int,
    total: int,
    cast: tuple[_Person, ...],
    sponsors: tuple[DemoSponsor, ...],
    published_at: datetime,
) -> _Plan:
    if number == 1:
        episode_type: EpisodeType = 'trailer'
    else:
        episode_type = 'bonus' if rng.random() < 0.05 else 'full'
    topic, neighbour = rng.sample(TOPICS, 2)
    tools = tuple(rng.sample(topic.tools, min(len(topic.tools), rng.randint(3, 5))))
    related = tuple(tool for tool in (*topic.tools, *neighbour.tools) if tool not in tools)
    placed = tuple(rng.sample(sponsors, rng.choices((0, 1, 2), weights=(3, 5, 2))[0]))
    # The second to last is scheduled (published, due next week); the last is a draft.
    is_draft = total >= MIN_EPISODES_WITH_DRAFTS and number == total
    has_video = rng.random() < 1 / 3
    return _Plan(
        number=number,
        episode_type=episode_type,
        tools=tools,
        subjects=topic.subjects,
        related_tools=related,
        cast=cast,
        sponsors=placed,
        published_at=published_at,
        is_published=not is_draft,
        duration=rng.randint(MIN_DURATION_SECONDS, MAX_DURATION_SECONDS),
        youtube_id=''.join(rng.choices(YOUTUBE_ID_ALPHABET, k=11)) if has_video else None,
    )


class _Calendar:
    """Release dates: weekly up to a week before `today`, then one scheduled a week after it
    and a draft a week later still (when the catalogue is long enough to have them)."""

    def __init__(self, today: date, *, total: int) -> None:
        self.total = total
        upcoming = DRAFT_COUNT if total >= MIN_EPISODES_WITH_DRAFTS else 0
        self.released = total - upcoming
        self.latest = datetime.combine(today, time(RELEASE_HOUR), UTC) - EPISODE_INTERVAL
        span = self.latest - FIRST_EPISODE_AT
        self.interval = EPISODE_INTERVAL
        if self.released > 1 and span < EPISODE_INTERVAL * (self.released - 1):
            self.interval = max(span, timedelta(0)) / (self.released - 1)

    def of(self, number: int) -> datetime:
        if number > self.released:  # not out yet: a week from today, then weekly
            return self.latest + EPISODE_INTERVAL * (1 + number - self.released)
        return self.latest - self.interval * (self.released - number)


class _Writer:
    """Writes an episode's words: title, notes and a transcript, from templates and word pools."""

    def __init__(self, rng: random.Random, host: _Person) -> None:
        self.rng = rng
        self.host = host

    def episode(self, plan: _Plan, taken_slugs: set[str]) -> DemoEpisode:
        rng = self.rng
        main = plan.cast[0]
        pools = dict(BASE_POOLS)
        pools.update(tool=plan.tools, other=plan.related_tools, subject=plan.subjects)
        slots = _Slots(rng, pools)
        subject = rng.choice(plan.subjects)
        facts = {
            'tool': plan.tools[0],
            'other': rng.choice(plan.related_tools),
            'subject': subject,
            'Subject': subject[0].upper() + subject[1:],
            'company': main.company,
            'year': str(plan.published_at.year),
            'guest': main.guest.name,
            'first': main.first,
            'host': self.host.guest.name,
            'concept': rng.choice(CONCEPTS),
            'concept2': rng.choice(CONCEPTS),
            'people': rng.choice(AUDIENCES),
            'pain': rng.choice(PAINS),
            'guests': _join([person.guest.name for person in plan.cast]),
            'join': 'joins' if len(plan.cast) == 1 else 'join',
            'be': 'is' if len(plan.cast) == 1 else 'are',
        }
        title, slug = self._title(plan, facts, taken_slugs)
        summary = ' '.join(
            template.format_map(facts)
            for template in (
                rng.choice(SUMMARY_OPENERS),
                rng.choice(SUMMARY_MIDDLES),
                *rng.sample(SUMMARY_CLOSERS, rng.randint(0, 1)),
            )
        )
        if plan.episode_type == 'trailer':
            subtitle = f'A first taste of {PODCAST_TITLE}, and what to expect from the show.'
        else:
            subtitle = rng.choice(SUBTITLES).format_map(facts)
        number = plan.number
        return DemoEpisode(
            number=number,
            slug=slug,
            title=title,
            subtitle=subtitle,
            summary=summary,
            show_notes=self._show_notes(plan, facts, summary),
            published_at=plan.published_at,
            # Recorded the week before, on a weekday fixed by the number (the random stream
            # the rest of the catalogue comes from stays as it was).
            # A recording date is a day (the admin edits it as one), so midnight UTC.
            recorded_at=(plan.published_at - timedelta(days=3 + number % 4)).replace(
                hour=0, minute=0, second=0, microsecond=0
            ),
            is_published=plan.is_published,
            duration_seconds=plan.duration,
            media_url=f'{MEDIA_BASE_URL}/{number:04d}-{slug}.mp3',
            media_size_bytes=plan.duration * AUDIO_BYTES_PER_SECOND + rng.randint(20_000, 400_000),
            media_type='audio/mpeg',
            youtube_id=plan.youtube_id,
            season=plan.published_at.year - FIRST_EPISODE_AT.year + 1,
            episode_type=plan.episode_type,
            explicit=False,
            guid=f'podsite-demo-{number}',
            appearances=(
                DemoAppearance(guest_slug=self.host.guest.slug, role='host', position=0),
                *(
                    DemoAppearance(guest_slug=person.guest.slug, role='guest', position=position)
                    for position, person in enumerate(plan.cast, start=1)
                ),
            ),
            placements=tuple(
                DemoPlacement(sponsor_slug=sponsor.slug, position=position)
                for position, sponsor in enumerate(plan.sponsors)
            ),
            transcript=self._transcript(plan, slots, facts) if plan.is_published else None,
        )

    def _title(self, plan: _Plan, facts: dict[str, str], taken: set[str]) -> tuple[str, str]:
        if plan.episode_type == 'trailer':
            templates: tuple[str, ...] = (f'Welcome to {PODCAST_TITLE}',)
        elif plan.episode_type == 'bonus':
            templates = BONUS_TITLES
        else:
            templates = TITLES
        title = ''
        for _attempt in range(8):
            title = self.rng.choice(templates).format_map(facts)
            if slugify(title) not in taken:
                break
        slug = slugify(title)
        if slug in taken:
            stem, part = slugify(title, max_length=64), 2
            while f'{stem}-part-{part}' in taken:
                part += 1
            title, slug = f'{title} (part {part})', f'{stem}-part-{part}'
        taken.add(slug)
        return title, slug

    def _show_notes(self, plan: _Plan, facts: dict[str, str], summary: str) -> str:
        rng = self.rng
        links_wanted = rng.randint(20, 40)
        guest_lines = [
            f'- [{person.guest.name}]({person.guest.website_url}), '
            f'[{person.first} on GitHub]({person.github})'
            for person in plan.cast
        ]
        fixed = 2 * len(plan.cast) + len(plan.sponsors) + (plan.youtube_id is not None)
        articles = rng.randint(2, 5)
        projects = links_wanted - fixed - articles
        candidates = [*plan.tools, *plan.related_tools]
        chosen = list(dict.fromkeys(candidates))[: projects - 3]
        while len(chosen) < projects - 3:
            extra = rng.choice(ALL_TOOLS)
            if extra not in chosen:
                chosen.append(extra)
        project_links = [(tool, TOOL_URLS[tool]) for tool in chosen]
        project_links += rng.sample(GENERAL_LINKS, 3)
        reading = []
        for template in rng.sample(ARTICLES, articles):
            title = template.format_map(facts)
            host = slugify(rng.choice(COMPANIES)).replace('-', '')
            reading.append(f'- [{title}](https://{host}.example.com/blog/{slugify(title)})')
        notes = [template.format_map(facts) for template in rng.sample(NOTE_SENTENCES, 5)]
        paragraphs = [' '.join(notes[:3]), ' '.join(notes[3:])]
        sections = [
            summary,
            '## In this episode',
            *paragraphs,
            '## Chapters',
            '\n'.join(self._chapters(plan, facts)),
            '## Guests' if len(plan.cast) > 1 else '## Guest',
            '\n'.join(guest_lines),
            '## Links from the show',
            '\n'.join(f'- [{text}]({url})' for text, url in project_links),
            '## Further reading',
            '\n'.join(reading),
        ]
        if plan.youtube_id is not None:
            youtube = f'https://www.youtube.com/watch?v={plan.youtube_id}'
            sections += ['## Watch', f'[Watch this episode on YouTube]({youtube})']
        if plan.sponsors:
            sections += [
                '## Sponsors',
                '\n'.join(
                    f'- [{sponsor.name}]({sponsor.website_url}): {sponsor.description}'
                    for sponsor in plan.sponsors
                ),
            ]
        return '\n\n'.join(sections) + '\n'

    def _chapters(self, plan: _Plan, facts: dict[str, str]) -> list[str]:
        rng = self.rng
        middle = [CHAPTERS[i] for i in sorted(rng.sample(range(len(CHAPTERS)), rng.randint(4, 7)))]
        times = sorted(rng.sample(range(90, plan.duration - 180, 30), len(middle)))
        lines = ['- 00:00 Welcome and introductions']
        lines += [
            f'- {clock_text(at)} {title.format_map(facts)}'
            for at, title in zip(times, middle, strict=True)
        ]
        lines.append(f'- {clock_text(plan.duration - 120)} Wrap-up and where to find {_them(plan)}')
        return lines

    def _transcript(self, plan: _Plan, slots: _Slots, facts: dict[str, str]) -> DemoTranscript:
        rng = self.rng
        host = self.host
        target = MIN_SPOKEN_WORDS + (plan.duration - MIN_DURATION_SECONDS) * (
            MAX_SPOKEN_WORDS - MIN_SPOKEN_WORDS
        ) // (MAX_DURATION_SECONDS - MIN_DURATION_SECONDS)
        turns: list[tuple[str, list[str]]] = []
        names = _join([person.first for person in plan.cast])
        intro = [
            f'Welcome to {PODCAST_TITLE}, episode {plan.number}.',
            f"I'm {host.first}, and today I'm talking with {names} about {facts['subject']}.",
        ]
        if plan.episode_type == 'trailer':
            intro.append('This is the very first episode, a look at what this show will be about.')
        elif plan.episode_type == 'bonus':
            intro.append("This is a bonus episode, so it's a little looser than usual.")
        turns.append((host.guest.name, intro))
        if plan.sponsors:
            turns.append((host.guest.name, _sponsor_read(plan.sponsors[0])))
        welcome = f'{plan.cast[0].first}, welcome to the show.'
        if len(plan.cast) > 1:
            welcome = 'Welcome, all of you.' if len(plan.cast) > 2 else 'Welcome, both of you.'
        turns.append((host.guest.name, [welcome, 'Tell people a bit about yourself.']))
        for person in plan.cast:
            turns.append(
                (
                    person.guest.name,
                    [
                        rng.choice(('Thanks for having me.', 'Glad to be here.', 'Hi everyone.')),
                        f'I work at {person.company}, mostly on {rng.choice(plan.subjects)}.',
                        slots.fill(rng.choice(GUEST_STATEMENTS)),
                    ],
                )
            )
        words = sum(_word_count(sentences) for _speaker, sentences in turns)
        read_second_sponsor = len(plan.sponsors) > 1
        while words < target - 120:
            question = [slots.fill(rng.choice(HOST_QUESTIONS))]
            answering = rng.choice(plan.cast)
            if len(plan.cast) > 1:
                question[0] = f'{answering.first}, {question[0][0].lower()}{question[0][1:]}'
            if rng.random() < 0.4:
                question.insert(0, rng.choice(HOST_REACTIONS))
            if rng.random() < 0.15:
                question.insert(0, slots.fill(rng.choice(HOST_ASIDES)))
            answer = [rng.choice(GUEST_OPENERS)] if rng.random() < 0.5 else []
            answer += [slots.fill(line) for line in rng.sample(GUEST_STATEMENTS, rng.randint(3, 8))]
            round_turns = [(host.guest.name, question), (answering.guest.name, answer)]
            if len(plan.cast) > 1 and rng.random() < 0.3:
                other = rng.choice([p for p in plan.cast if p is not answering])
                addition = ['If I can add something here.']
                addition += [slots.fill(line) for line in rng.sample(GUEST_STATEMENTS, 2)]
                round_turns.append((other.guest.name, addition))
            if read_second_sponsor and words > target // 2:
                round_turns.insert(0, (host.guest.name, _sponsor_read(plan.sponsors[1])))
                read_second_sponsor = False
            turns += round_turns
            words += sum(_word_count(sentences) for _speaker, sentences in round_turns)
        turns += [
            (
                host.guest.name,
                [
                    "That's about all we have time for.",
                    'Before you go, where can people find you online?',
                ],
            ),
            (
                plan.cast[0].guest.name,
                [
                    'The easiest place is my website.',
                    "I'm also on GitHub, and I try to answer every message.",
                ],
            ),
            (
                host.guest.name,
                [
                    'Perfect, those links are in the show notes.',
                    f'Thank you for coming on, {names}.',
                ],
            ),
            (plan.cast[-1].guest.name, ['Thanks, this was a lot of fun.']),
            (
                host.guest.name,
                [
                    f'And thanks to everyone for listening to {PODCAST_TITLE}.',
                    'See you next week.',
                ],
            ),
        ]
        return self._timed(turns, duration=plan.duration)

    def _timed(self, turns: list[tuple[str, list[str]]], *, duration: int) -> DemoTranscript:
        """Cues of one or two sentences, timed by word count to fill the whole duration."""
        rng = self.rng
        spans: list[tuple[str, str, int]] = []
        for speaker, sentences in turns:
            at = 0
            while at < len(sentences):
                size = 2 if rng.random() < 0.5 else 1
                text = ' '.join(sentences[at : at + size])
                spans.append((speaker, text, text.count(' ') + 1))
                at += size
        seconds_per_word = duration / sum(words for _speaker, _text, words in spans)
        cues: list[DemoCue] = []
        elapsed = 0.0
        for speaker, text, words in spans:
            start = round(elapsed, 2)
            elapsed += words * seconds_per_word
            cues.append(DemoCue(start=start, end=round(elapsed, 2), speaker=speaker, text=text))
        cues[-1] = cues[-1].model_copy(update={'end': float(duration)})
        text = '\n\n'.join(f'{speaker}: {" ".join(sentences)}' for speaker, sentences in turns)
        return DemoTranscript(text=text, cues=tuple(cues))


def _sponsor_read(sponsor: DemoSponsor) -> list[str]:
    address = sponsor.website_url.removeprefix('https://')
    return [
        f'This episode is brought to you by {sponsor.name}.',
        sponsor.description,
        f'Find out more at {address}, and tell them {PODCAST_TITLE} sent you.',
    ]


def _unique(slug: str, taken: set[str]) -> str:
    candidate, suffix = slug, 1
    while candidate in taken:
        suffix += 1
        candidate = f'{slug}-{suffix}'
    taken.add(candidate)
    return candidate


def _word_count(sentences: list[str]) -> int:
    return sum(sentence.count(' ') + 1 for sentence in sentences)


def _join(names: list[str]) -> str:
    if len(names) == 1:
        return names[0]
    return f'{", ".join(names[:-1])} and {names[-1]}'


def _them(plan: _Plan) -> str:
    return plan.cast[0].first if len(plan.cast) == 1 else 'everyone'


def _a(word: str) -> str:
    return 'an' if word[0].lower() in 'aeiou' else 'a'
