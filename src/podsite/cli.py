"""The `podsite` command: thin shells over the services."""

import asyncio
import json
import logging
import sys
import time
from collections import Counter
from collections.abc import AsyncIterator, Coroutine, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import ValidationError
from quart import Quart
from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.table import Table

from podsite.app import create_app
from podsite.formats import feed_parser
from podsite.formats.network_lists import NetworkListError
from podsite.formats.user_agent_lists import AgentListError
from podsite.infrastructure import db
from podsite.schemas.backup import BackupManifest, TableCount
from podsite.schemas.two_factor import OperatorReset
from podsite.services.accounts import account_service, mailer, two_factor_service
from podsite.services.accounts.account_rules import email_problem, password_problem
from podsite.services.analytics import agents, counting, datacenters, reporting
from podsite.services.analytics.iab_rules import agent_refusal
from podsite.services.operations import schema_service
from podsite.services.publishing import (
    feed_import_service,
    feed_notifier,
    media_fetch_service,
    media_service,
    tagging_service,
    transcript_service,
)
from podsite.services.streams import stream_subscriber_service
from podsite.settings import Settings
from podsite.tools import backup_service, demo_content, demo_service, site_check, static_export

cli = typer.Typer(no_args_is_help=True, help='podsite: a self-hosted podcast website engine.')
db_cli = typer.Typer(no_args_is_help=True, help='Database schema commands.')
cli.add_typer(db_cli, name='db')
console = Console()
errors = Console(stderr=True)


def load_settings() -> Settings:
    try:
        return Settings()
    except ValidationError as error:
        for problem in error.errors():
            where = '.'.join(str(part) for part in problem['loc']) or 'settings'
            errors.print(f'[red]Configuration error[/red] in {where}: {problem["msg"]}')
        raise typer.Exit(2) from error


@asynccontextmanager
async def app_with_database(settings: Settings) -> AsyncIterator[Quart]:
    """The app with its database open and an app context pushed, as a request would have."""
    app = create_app(settings)
    db.open_database_for(app, settings)
    try:
        async with app.app_context():
            yield app
    finally:
        await db.close_database_for(app)


def run(coroutine: Coroutine[Any, Any, None]) -> None:
    asyncio.run(coroutine)


@db_cli.command('upgrade')
def db_upgrade() -> None:
    """Create or migrate the database schema to the latest revision."""
    settings = load_settings()

    async def upgrade() -> None:
        async with app_with_database(settings):
            await schema_service.upgrade_to_head(db.database().engine)
            revision = await schema_service.current_revision(db.database().engine)
        console.print(f'Database is at revision [bold]{revision}[/bold].')

    run(upgrade())


@cli.command()
def demo(
    episodes: Annotated[
        int, typer.Option(min=1, max=100_000, help='How many episodes to generate.')
    ] = 300,
    seed: Annotated[int, typer.Option(help='Seed of the generator: same seed, same site.')] = 2026,
    if_empty: Annotated[
        bool, typer.Option('--if-empty', help='Do nothing (and succeed) if episodes exist.')
    ] = False,
    listening: Annotated[
        bool,
        typer.Option(
            '--listening', help='Add generated downloads, clicks and impressions for reports.'
        ),
    ] = False,
) -> None:
    """Load a generated, believable demo catalogue into an empty database."""
    settings = load_settings()

    async def load() -> None:
        async with app_with_database(settings):
            if await demo_service.has_episodes():
                if if_empty:
                    console.print('The database already has episodes; demo data not loaded.')
                    return
                errors.print('[red]The database already has episodes.[/red] Use an empty one.')
                raise typer.Exit(1)
            with console.status(f'Generating {episodes} episodes...'):
                catalogue = demo_content.generate_catalogue(episodes=episodes, seed=seed)
            with console.status('Writing to the database...'):
                summary = await demo_service.load_demo(catalogue, media_dir=settings.media_folder)
            console.print(
                f'Loaded {summary.episodes} episodes, {summary.guests} guests, '
                f'{summary.sponsors} sponsors, {summary.transcripts} transcripts and '
                f'{summary.live_streams} live streams.'
            )
            if listening:
                with console.status('Generating listening...'):
                    counted = await demo_service.load_demo_listening(
                        seed=seed, window=settings.analytics_window
                    )
                console.print(f'Added listening: {counted} counted downloads.')

    run(load())


@cli.command()
def serve(
    host: Annotated[str, typer.Option(help='Address to listen on.')] = '127.0.0.1',
    port: Annotated[int, typer.Option(min=1, max=65535, help='Port to listen on.')] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help='Worker processes.')] = 1,
    stop_timeout: Annotated[
        int,
        typer.Option(
            min=1,
            max=3600,
            help='Seconds a stopping worker may take to finish its requests before it is '
            'killed (its recorded events are in the spool either way).',
        ),
    ] = 20,
) -> None:
    """Serve the site with Granian. A worker that dies is started again; the server stops
    only when told to, or when a worker dies again within seconds of its restart."""
    from granian.constants import Interfaces, Loops
    from granian.server import Server

    load_settings()
    console.print(f'Serving podsite on http://{host}:{port} with {workers} worker(s).')
    Server(
        'podsite.app:create_served_app',
        address=host,
        port=port,
        workers=workers,
        interface=Interfaces.ASGI,
        # Named, not `auto`: auto takes rloop where it is installed, and asyncpg cannot
        # start TLS on its transports ("TCPTransport protocol cannot be changed").
        loop=Loops.asyncio if sys.platform == 'win32' else Loops.uvloop,
        factory=True,
        log_access=False,
        respawn_failed_workers=True,
        # Without a limit, a worker that never stops (one told to while it was starting,
        # see `create_served_app`) keeps the whole server from stopping.
        workers_kill_timeout=stop_timeout,
    ).serve()


@cli.command('create-admin')
def create_admin(
    email: Annotated[str, typer.Argument(help='Email address of the new administrator.')],
    name: Annotated[str, typer.Option(help='Display name.')] = 'Admin',
    password_stdin: Annotated[
        bool, typer.Option('--password-stdin', help='Read the password from standard input.')
    ] = False,
) -> None:
    """Create an administrator account (asks for the password, or reads it from stdin)."""
    settings = load_settings()
    if password_stdin:
        password = sys.stdin.readline().rstrip('\n')
    else:
        password = typer.prompt('Password', hide_input=True, confirmation_prompt=True)
    problems = [p for p in (email_problem(email.strip()), password_problem(password)) if p]
    if problems:
        for problem in problems:
            errors.print(f'[red]{problem}[/red]')
        raise typer.Exit(2)

    async def create() -> None:
        async with app_with_database(settings):
            try:
                await account_service.create_user(
                    name=name, email=email, password=password, role='admin'
                )
            except account_service.EmailTakenError:
                errors.print(f'[red]An account with the email {email} exists already.[/red]')
                raise typer.Exit(1) from None
        console.print(f'Administrator {account_service.normalize_email(email)} created.')

    run(create())


@cli.command('reset-two-factor')
def reset_two_factor(
    email: Annotated[str, typer.Argument(help='Email address of the locked-out account.')],
) -> None:
    """Turn off two-factor sign-in of an account that lost its authenticator and recovery codes.

    Its authenticator and recovery codes are removed and every session of the account is
    logged out; it logs in with its password alone, and an administrator in production is
    asked to turn two-factor sign-in on again before the admin works. Exit code 1 when there
    is no account with this email.
    """
    settings = load_settings()

    async def reset() -> None:
        async with app_with_database(settings):
            outcome = await two_factor_service.reset_by_operator(email=email)
        address = account_service.normalize_email(email)
        match outcome:
            case OperatorReset.NO_ACCOUNT:
                errors.print(f'[red]There is no account with the email {address}.[/red]')
                raise typer.Exit(1)
            case OperatorReset.NOT_ENROLLED:
                console.print(f'{address} does not use two-factor sign-in; nothing changed.')
            case OperatorReset.DONE:
                console.print(
                    f'Two-factor sign-in of {address} is off and its sessions are logged out. '
                    'Ask them to turn it on again from their account page.'
                )

    run(reset())


@cli.command('notify-stream')
def notify_stream(
    stream_id: Annotated[int, typer.Argument(help='Id of the live stream (see /admin/streams).')],
) -> None:
    """Email "going live soon" to every confirmed live stream subscriber, through the outbox.

    Each subscriber is told once per stream: running it again sends only to those who
    confirmed since. The emails are queued, then sent as `podsite send-mail` sends them.
    Exit code 1 when there is no stream with this id, or when an email failed (it is tried
    again later).
    """
    settings = load_settings()

    async def notify() -> None:
        async with app_with_database(settings):
            report = await stream_subscriber_service.notify(
                stream_id=stream_id, base_url=settings.public_base_url
            )
            if report is None:
                errors.print(f'[red]There is no live stream with id {stream_id}.[/red]')
                raise typer.Exit(1)
            console.print(
                f'{report.title}: {report.queued} emails queued, '
                f'{report.already_notified} subscribers had been told before.'
            )
            await _send_queued_mail()

    run(notify())


@cli.command('send-mail')
def send_mail() -> None:
    """Send the queued email now: links for the password resets asked for, new-episode emails
    for episodes that went public, then the messages due, up to PODSITE_MAIL_PER_RUN (each
    serving instance does it every PODSITE_MAIL_INTERVAL_SECONDS).

    A message that fails is kept with its error and tried again later. Exit code 1 when any
    failed this time.
    """
    settings = load_settings()

    async def send() -> None:
        async with app_with_database(settings):
            await _send_queued_mail()

    run(send())


async def _send_queued_mail() -> None:
    report = await mailer.send_queued_mail()
    delivery = report.delivery
    console.print(
        f'{report.reset_links} reset links made; {delivery.sent} emails sent, '
        f'{delivery.logged} logged (no SMTP server configured), {delivery.failed} failed; '
        f'{report.episode_emails} new-episode emails queued.'
    )
    if delivery.failed:
        errors.print('[red]Some emails failed[/red]; they are tried again later (see the log).')
        raise typer.Exit(1)


@cli.command('notify-feed')
def notify_feed() -> None:
    """Announce the episodes gone public to the WebSub hubs and publish pings now, and send
    every notice due (each serving instance does it every PODSITE_PUBLISH_INTERVAL_SECONDS).

    A notice that fails is kept with its error and tried again later. Exit code 1 when any
    failed this time.
    """
    settings = load_settings()

    async def notify() -> None:
        async with app_with_database(settings):
            report = await feed_notifier.notify_feed_changes()
        console.print(
            f'{report.announced} episodes announced; {report.sent} notices sent, '
            f'{report.failed} failed.'
        )
        if report.failed:
            errors.print('[red]Some notices failed[/red]; they are tried again later.')
            raise typer.Exit(1)

    run(notify())


@cli.command('import-transcripts')
def import_transcripts(
    directory: Annotated[
        Path,
        typer.Argument(exists=True, file_okay=False, dir_okay=True, readable=True,
                       help='Folder of .vtt, .srt or .txt files named by episode number.'),
    ],
) -> None:  # fmt: skip
    """Import transcripts named by episode number (005_intro.vtt), the best format of each.

    Re-running updates the stored transcripts, never duplicates them. Exit code 1 when any file
    could not be read (each is listed with its line, and nothing of it is stored); files for
    episode numbers that do not exist are only skipped, with exit code 0.
    """
    settings = load_settings()

    async def import_all() -> list[transcript_service.FileOutcome]:
        outcomes = []
        async with app_with_database(settings):
            files = transcript_service.discover(directory)
            episode_ids = await transcript_service.episode_ids_by_number()
            with Progress(console=console) as progress:
                task = progress.add_task('Importing transcripts', total=len(files))
                for file in files:
                    outcomes.append(
                        await transcript_service.import_file(file, episode_ids=episode_ids)
                    )
                    progress.advance(task)
        return outcomes

    outcomes = asyncio.run(import_all())
    counts = Counter(outcome.status for outcome in outcomes)
    console.print(
        f'{counts["created"]} created, {counts["updated"]} updated, '
        f'{counts["skipped"]} skipped, {counts["failed"]} failed.'
    )
    for outcome in outcomes:
        for warning in outcome.warnings:
            console.print(f'[yellow]warning[/yellow] #{outcome.episode_number}: {warning}')
    problems = [o for o in outcomes if o.status in {'skipped', 'failed'}]
    if problems:
        table = Table('file', 'status', 'line', 'reason', title='Not imported')
        for outcome in sorted(problems, key=lambda o: (o.status != 'failed', o.path)):
            line = '' if outcome.line is None else str(outcome.line)
            name = str(outcome.path.relative_to(directory))
            table.add_row(name, outcome.status, line, outcome.reason)
        console.print(table)
    if counts['failed']:
        raise typer.Exit(1)


@cli.command('import-feed')
def import_feed(
    source: Annotated[str, typer.Argument(help='A feed file, or its http(s) URL.')],
    fetch: Annotated[
        bool,
        typer.Option(help='Download the transcripts and chapters the feed links to; without '
                     'them (or when a download fails) the feed and pages link to the originals.'),
    ] = True,
    i_own_this_feed: Annotated[
        bool,
        typer.Option('--i-own-this-feed',
                     help='Import a feed marked podcast:locked: only for the show\'s owner.'),
    ] = False,
    fetch_media: Annotated[
        bool,
        typer.Option('--fetch-media',
                     help='Download every episode\'s audio into PODSITE_MEDIA_DIR and serve it '
                     'from there, with its real size and length; resumes what a previous run '
                     'left and skips files already stored.'),
    ] = False,
) -> None:  # fmt: skip
    """Import a podcast from its RSS feed; importing again updates, never duplicates.

    Ends with what was kept, mapped and dropped, per kind of element. Bad input (not a feed,
    broken XML, entity attacks) or a locked feed changes nothing and exits 1.
    """
    settings = load_settings()
    try:
        feed_source = feed_import_service.read_source(source)
        feed = feed_parser.parse_feed(feed_source.data)
    except feed_parser.FeedError as error:
        errors.print(f'[red]Cannot import {source}[/red]: {error}')
        raise typer.Exit(1) from error

    async def run_import() -> feed_import_service.FeedImportReport:
        async with app_with_database(settings):
            with Progress(console=console) as progress:
                task = progress.add_task(f'Importing {feed.title}', total=len(feed.episodes))
                return await feed_import_service.import_feed(
                    feed,
                    base_dir=feed_source.base_dir,
                    fetcher=feed_import_service.fetch_over_http if fetch else None,
                    source_url=feed_source.url,
                    owner_consents=i_own_this_feed,
                    on_progress=lambda done, _total: progress.update(task, completed=done),
                )

    try:
        report = asyncio.run(run_import())
    except feed_import_service.FeedLockedError as error:
        errors.print(f'[red]Cannot import {source}[/red]: {error}', soft_wrap=True)
        raise typer.Exit(1) from error
    print_import_report(feed.title, report)
    if fetch_media:
        fetched = asyncio.run(fetch_all_media(settings))
        print_fetch_report(fetched, settings.media_folder)
        if fetched.failed:
            raise typer.Exit(1)


async def fetch_all_media(settings: Settings) -> media_fetch_service.MediaFetchReport:
    async with app_with_database(settings):
        episodes = await media_fetch_service.remote_media()
        total = sum(episode.announced_bytes for episode in episodes)
        columns = (TextColumn('{task.description}'), BarColumn(), DownloadColumn(),
                   TransferSpeedColumn(), TimeRemainingColumn())  # fmt: skip
        with Progress(*columns, console=console) as progress:
            task = progress.add_task(f'Audio of {len(episodes)} episodes', total=total or None)

            def correct_total(announced: int, actual: int) -> None:
                """Feeds often give wrong enclosure lengths: the server's replace them."""
                nonlocal total
                total += actual - announced
                progress.update(task, total=total)

            return await media_fetch_service.fetch_media(
                episodes,
                media_folder=settings.media_folder,
                on_bytes=lambda size: progress.advance(task, size),
                on_size=correct_total,
            )


def print_fetch_report(report: media_fetch_service.MediaFetchReport, folder: Path) -> None:
    console.print(
        f'Audio: {len(report.stored)} files stored in {folder} '
        f'({len(report.resumed)} resumed), {len(report.failed)} failed.',
        soft_wrap=True,
    )
    for number, reason in report.failed:
        errors.print(f'[yellow]episode {number}[/yellow]: {reason}', soft_wrap=True)


def print_import_report(title: str, report: feed_import_service.FeedImportReport) -> None:
    console.print(
        f'{title}: {report.created} created, {report.updated} updated, '
        f'{len(report.skipped)} skipped, {len(report.warnings)} warnings.'
    )
    console.print(f'Numbers: {report.numbering}.', soft_wrap=True)
    console.print(f'Identity: {report.identity}.', soft_wrap=True)
    console.print(
        f'Transcripts: {report.transcripts_copied} episodes served by podsite, '
        f'{report.transcripts_linked} linked to the original. Chapters: '
        f'{report.chapters_copied} served by podsite, {report.chapters_linked} linked.',
        soft_wrap=True,
    )
    table = Table('element', 'mapped', 'kept as is', 'dropped', 'why dropped',
                  title='What the import did with each kind of element')  # fmt: skip
    for count in report.elements:
        table.add_row(count.kind, str(count.mapped or ''), str(count.kept or ''),
                      str(count.dropped or ''), count.why_dropped)  # fmt: skip
    console.print(table)
    if report.skipped:
        table = Table('item', 'skipped because')
        for item, reason in report.skipped:
            table.add_row(item, reason)
        console.print(table)
    for warning in [*report.feed_warnings, *report.warnings]:
        console.print(f'[yellow]warning[/yellow] {warning}', soft_wrap=True)


@cli.command('export-static')
def export_static(
    directory: Annotated[Path, typer.Argument(help='Folder to write the site to.')],
    base_url: Annotated[
        str | None,
        typer.Option(help='Address the files will be served from, e.g. https://example.org/podcast '
                     '(default: PODSITE_BASE_URL).'),
    ] = None,
    quiet: Annotated[bool, typer.Option('--quiet', help='No progress bar.')] = False,
) -> None:  # fmt: skip
    """Write every public page, the feed, the sitemap and the static files to DIRECTORY as
    files any static host serves; running it again rewrites only what changed and removes the
    files of pages that are gone (only files it wrote, listed in DIRECTORY/.podsite-export.json).

    Pages without an extension are written as PATH/index.html and the feed as episodes/rss;
    with nginx:

    \b
        location / { try_files $uri $uri/index.html $uri.html =404; }
        location = /episodes/rss { default_type application/rss+xml; }

    Exit code 1 when a page did not answer 200 (each is listed), 2 for a bad DIRECTORY or
    --base-url.
    """
    if directory.exists() and not directory.is_dir():
        errors.print(f'[red]{directory} is not a folder.[/red]', soft_wrap=True)
        raise typer.Exit(2)
    try:
        target = None if base_url is None else static_export.target_base_url(base_url)
    except static_export.ExportError as error:
        errors.print(f'[red]Bad --base-url[/red]: {error}', soft_wrap=True)
        raise typer.Exit(2) from error
    # Rendering the pages is not a visit: no download, click or impression is recorded.
    settings = load_settings().model_copy(
        update={'record_events': False, 'analytics_interval_seconds': 0}
    )
    logging.getLogger('podsite.request').setLevel(logging.WARNING)
    started = time.perf_counter()

    async def render() -> static_export.RenderedSite:
        app = create_app(settings)
        async with app.test_app():
            hidden = quiet or not errors.is_terminal
            with Progress(console=errors, transient=True, disable=hidden) as bar:
                task = bar.add_task('Exporting pages', total=None)
                return await static_export.render_site(
                    app,
                    base_url=target,
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )

    site = asyncio.run(render())
    try:
        directory.mkdir(parents=True, exist_ok=True)
        result = static_export.write_site(directory, site)
    except OSError as error:
        errors.print(f'[red]Cannot write to {directory}[/red]: {error}', soft_wrap=True)
        raise typer.Exit(2) from error
    summary = Table(
        'pages',
        'files',
        'bytes',
        'written',
        'unchanged',
        'removed',
        'skipped',
        'seconds',
        title=f'Exported to {directory} for {site.base_url}',
    )
    summary.add_row(*(str(value) for value in (
        site.pages, len(site.files), site.size, result.written, result.unchanged,
        len(result.removed), len(site.skipped), f'{time.perf_counter() - started:.1f}',
    )))  # fmt: skip
    console.print(summary)
    for note in (*site.notes, *static_export.OFF_ON_A_STATIC_HOST):
        console.print(note, soft_wrap=True)
    if site.skipped:
        skipped = sorted(site.skipped)
        more = f' and {len(skipped) - 10} more' if len(skipped) > 10 else ''
        console.print(
            f'Not exported, they need the server: {", ".join(skipped[:10])}{more}.', soft_wrap=True
        )
    if site.unlinked:
        console.print(
            f'{site.unlinked} links to pages that need the server (log in, accounts) '
            'are plain text in the export.',
            soft_wrap=True,
        )
    if site.failures:
        table = Table(title=f'{len(site.failures)} not exported; old files of them are kept')
        for column in ('URL', 'reason'):
            table.add_column(column, overflow='fold')
        for path, reason in site.failures:
            table.add_row(path, reason)
        console.print(table)
        raise typer.Exit(1)


@cli.command()
def aggregate(
    rebuild: Annotated[
        bool, typer.Option('--rebuild', help='Recount every stored event from the start.')
    ] = False,
) -> None:
    """Turn new download events into counted downloads (IAB v2.3). Running it again
    changes nothing; the site also does this by itself every few minutes."""
    settings = load_settings()

    async def count() -> None:
        async with app_with_database(settings):
            result = await counting.aggregate_downloads(settings.analytics_window, rebuild=rebuild)
        if result.first_day is None:
            console.print('No new download events; counts are up to date.')
            return
        console.print(
            f'Read {result.events_read} events; {result.downloads} counted downloads from '
            f'{result.first_day} on ({settings.analytics_window.value} window).'
        )

    run(count())


@cli.command('update-agents')
def update_agents(
    source: Annotated[
        str,
        typer.Argument(
            metavar='FILE_OR_URL',
            help='A zip archive of the list (path or URL) or a folder with its files.',
        ),
    ] = agents.DEFAULT_SOURCE,
) -> None:
    """Refresh the OPAWG user-agent list (which apps count, which bots do not) without a
    release: it goes to PODSITE_DATA_DIR and is used from the next start on."""
    settings = load_settings()
    try:
        with console.status(f'Reading {source}...'):
            lists = agents.update_list(source, settings.data_dir)
    except (AgentListError, OSError) as error:  # OSError: the data folder is not writable
        errors.print(f'[red]Nothing changed[/red]: {error}')
        raise typer.Exit(1) from error
    console.print(
        f'{len(lists.bots.entries)} bots, {len(lists.apps.entries)} apps, '
        f'{len(lists.libraries.entries)} libraries, {len(lists.browsers.entries)} browsers and '
        f'{len(lists.devices.entries)} devices in {settings.data_dir / agents.LIST_FOLDER}; '
        'restart the site to use them.'
    )


@cli.command('update-datacenters')
def update_datacenters(
    source: Annotated[
        str,
        typer.Argument(
            metavar='FILE_OR_URL',
            help='A zip archive of the list (path or URL) or a folder with its ipv4.txt and '
            'ipv6.txt.',
        ),
    ] = datacenters.DEFAULT_SOURCE,
) -> None:
    """Refresh the data-centre and VPN networks whose downloads are not counted, without a
    release: they go to PODSITE_DATA_DIR and are used from the next start on."""
    settings = load_settings()
    try:
        with console.status(f'Reading {source}...'):
            networks = datacenters.update_list(source, settings.data_dir)
    except (NetworkListError, OSError) as error:  # OSError: the data folder is not writable
        errors.print(f'[red]Nothing changed[/red]: {error}')
        raise typer.Exit(1) from error
    console.print(
        f'{len(networks.ipv4)} IPv4 and {len(networks.ipv6)} IPv6 networks in '
        f'{settings.data_dir / datacenters.LIST_FOLDER}; restart the site to use them.'
    )


@cli.command('agent-info')
def agent_info(
    user_agents: Annotated[
        list[str], typer.Argument(metavar='UA...', help='User agents, each quoted whole.')
    ],
    as_json: Annotated[
        bool, typer.Option('--json', help='One JSON object per line, for scripts.')
    ] = False,
) -> None:
    """Whether a download from each user agent counts, why not (bot, malformed, watch
    duplicate), and its app, device and platform as the OPAWG list names them: why an
    app is missing from the numbers."""
    agents.use_data_dir(load_settings().data_dir)
    table = Table('user agent', 'counted', 'why not', 'app', 'device', 'platform')
    for user_agent in user_agents:
        agent = agents.identify(user_agent)
        refusal = agent_refusal(user_agent)
        facts = {
            'user_agent': user_agent,
            'counted': refusal is None,
            'reason': refusal.value if refusal else None,
            'app': agent.name,
            'device': agent.device,
            'platform': agent.device_category,
        }
        if as_json:
            typer.echo(json.dumps(facts, ensure_ascii=False))
        else:
            table.add_row(
                user_agent, 'yes' if refusal is None else 'no', refusal.value if refusal else '',
                f'{agent.name} ({agent.kind.value})', agent.device, agent.device_category or '',
            )  # fmt: skip
    if not as_json:
        console.print(table)


@cli.command()
def stats(
    days: Annotated[int, typer.Option(min=1, max=3650, help='The recent period to sum.')] = 30,
    as_json: Annotated[
        bool,
        typer.Option(
            '--json', help='All-time counted downloads as one JSON object, for scripts and audits.'
        ),
    ] = False,
) -> None:
    """Counted downloads in all and lately, the top episodes and apps, and link clicks;
    new events are counted first."""
    settings = load_settings()

    async def summarise() -> None:
        async with app_with_database(settings):
            await counting.aggregate_downloads(settings.analytics_window)
            since = datetime.now(UTC).date() - timedelta(days=days - 1)
            everything = await reporting.downloads_per_day(None)
            if as_json:
                per_episode = await reporting.downloads_per_episode_number()
                per_app = await reporting.shares('app', None)
                per_platform = await reporting.shares('platform', None)
                typer.echo(
                    json.dumps(
                        {
                            'window': settings.analytics_window.value,
                            'total': sum(day.count for day in everything),
                            'per_episode': {str(n): count for n, count in per_episode.items()},
                            'per_day': {day.day.isoformat(): day.count for day in everything},
                            'per_app': {share.name: share.downloads for share in per_app},
                            'per_platform': {s.name: s.downloads for s in per_platform},
                        },
                        ensure_ascii=False,
                    )
                )
                return
            recent = await reporting.downloads_per_day(since)
            top = await reporting.episode_downloads(top=5)
            apps = await reporting.shares('app', since)
            links = await reporting.link_clicks(since)
        console.print(
            f'Counted downloads: [bold]{sum(d.count for d in everything)}[/bold] in all, '
            f'[bold]{sum(d.count for d in recent)}[/bold] in the last {days} days '
            f'({settings.analytics_window.value} window).'
        )
        episodes = Table('episode', 'title', 'all time', title='Top episodes')
        for row in top:
            episodes.add_row(str(row.number), row.title, str(row.all_time))
        console.print(episodes)
        app_table = Table('app', 'downloads', title=f'Apps, last {days} days')
        for share in apps[:10]:
            app_table.add_row(share.name, str(share.downloads))
        console.print(app_table)
        console.print(
            f'Short-link clicks in the last {days} days: {sum(link.clicks for link in links)}'
        )

    run(summarise())


@cli.command('probe-media')
def probe_media(
    fetch: Annotated[
        bool, typer.Option(help="Read remote files' first 8 MiB with one range request.")
    ] = False,
    everything: Annotated[
        bool, typer.Option('--all', help='Probe episodes probed before, too.')
    ] = False,
) -> None:
    """Find where each episode's first minute of audio ends (tags included), which the
    download counting needs; files come from PODSITE_MEDIA_DIR, or from their URLs with
    --fetch. A file that cannot be read is counted only when fetched whole."""
    settings = load_settings()

    async def probe() -> media_service.ProbeReport:
        async with app_with_database(settings):
            with console.status('Reading media files...'):
                return await media_service.probe_media(
                    media_dir=settings.media_folder, fetch=fetch, everything=everything
                )

    report = asyncio.run(probe())
    console.print(
        f'{len(report.probed)} probed, {len(report.skipped)} skipped, {len(report.failed)} failed.'
    )
    for number, reason in report.failed:
        errors.print(f'[red]episode {number}[/red]: {reason}')
    if report.failed:
        raise typer.Exit(1)


@cli.command('retag')
def retag(
    episode: Annotated[
        int | None, typer.Option(min=1, help='Only the episode with this site number.')
    ] = None,
) -> None:
    """Write each episode's tags (title, show, numbers, notes, artwork, chapters) into its
    audio file in PODSITE_MEDIA_DIR; the audio itself is not touched."""
    settings = load_settings()

    async def write() -> list[tagging_service.RetagResult]:
        async with app_with_database(settings):
            with console.status('Writing tags...'):
                return await tagging_service.retag_episodes(episode)

    results = asyncio.run(write())
    if episode is not None and not results:
        errors.print(f'[red]There is no episode {episode}.[/red]')
        raise typer.Exit(1)
    outcomes = [result.outcome for result in results]
    console.print(
        f'{outcomes.count("tagged")} tagged, {outcomes.count("skipped")} skipped '
        f'(no MP3 or M4A file stored), {outcomes.count("failed")} failed.'
    )
    for result in results:
        if result.outcome == 'failed':
            errors.print(f'[red]episode {result.number}[/red]: {result.detail}')
    if 'failed' in outcomes:
        raise typer.Exit(1)


@cli.command('check-site')
def check_site(
    base_url: Annotated[str, typer.Argument(help='The site, e.g. http://127.0.0.1:8000.')],
    links: Annotated[
        bool, typer.Option('--links', help="Also check every internal link of the pages.")
    ] = False,
    concurrency: Annotated[int, typer.Option(min=1, max=256, help='Requests at once.')] = 8,
    timeout: Annotated[
        float, typer.Option(min=0.1, max=600, help='Seconds to wait for each response.')
    ] = 10.0,
    retries: Annotated[
        int, typer.Option(min=0, max=10, help='Retries after a timeout, connection error or 5xx.')
    ] = 0,
    max_redirects: Annotated[
        int, typer.Option(min=0, max=50, help='Redirects followed before giving up.')
    ] = 5,
    rewrite_host: Annotated[
        bool,
        typer.Option(help="Check sitemap URLs of another host (the site's public address) "
                     'on BASE_URL instead.'),
    ] = True,
    json_path: Annotated[
        str | None,
        typer.Option('--json', metavar='PATH', help='Write a JSON report to PATH (- for stdout).'),
    ] = None,
    slowest: Annotated[int, typer.Option(min=0, help='How many of the slowest URLs to list.')] = 10,
    quiet: Annotated[bool, typer.Option('--quiet', help='No progress bar.')] = False,
) -> None:  # fmt: skip
    """Request every URL of BASE_URL/sitemap.xml (and nested sitemaps) and report the broken ones.

    Exit code 1 when any URL failed (error status, timeout, connection error, redirect loop),
    2 when BASE_URL is not an http(s) URL or its sitemap cannot be read.
    """
    options = site_check.CheckOptions(
        concurrency=concurrency, timeout=timeout, retries=retries,
        max_redirects=max_redirects, links=links, rewrite_host=rewrite_host,
    )  # fmt: skip
    # The report owns stdout when it is asked for there; people read the rest on stderr.
    readable = errors if json_path == '-' else console
    with Progress(console=errors, transient=True, disable=quiet or not errors.is_terminal) as bar:
        task = bar.add_task('Checking URLs', total=None)
        try:
            report = asyncio.run(
                site_check.check_site(
                    base_url,
                    options,
                    on_progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
            )
        except site_check.SiteCheckError as error:
            errors.print(f'[red]Cannot check {base_url}[/red]: {error}', soft_wrap=True)
            raise typer.Exit(2) from error
    site_check.print_summary(report, readable, slowest=slowest)
    if json_path == '-':
        sys.stdout.write(site_check.report_json(report))
    elif json_path is not None:
        Path(json_path).write_text(site_check.report_json(report), encoding='utf-8')
    if report.failures:
        raise typer.Exit(1)


@cli.command()
def backup(
    file: Annotated[
        Path, typer.Argument(dir_okay=False, help='The archive to write, e.g. site.podsite.zip.')
    ],
    overwrite: Annotated[
        bool, typer.Option('--overwrite', help='Replace the file if it exists.')
    ] = False,
) -> None:
    """Write the whole site (catalogue, accounts, analytics) into one portable file that
    `podsite restore` reads on SQLite or PostgreSQL, signed with PODSITE_BACKUP_KEY (or a
    key derived from PODSITE_SECRET_KEY)."""
    if file.exists() and not overwrite:
        raise typer.BadParameter(f'{file} exists; choose another name or pass --overwrite.')
    if not file.parent.is_dir():
        raise typer.BadParameter(f'the folder {file.parent} does not exist.')
    settings = load_settings()
    key = backup_service.SigningKey.of(settings)

    async def write() -> BackupManifest:
        async with app_with_database(settings):
            with Progress(console=console) as progress:
                task = progress.add_task('Backing up', total=None)
                return await backup_service.write_backup(
                    file,
                    key=key,
                    media_folder=settings.media_folder,
                    on_progress=lambda table, rows: progress.update(
                        task, description=f'Backing up {table}', advance=rows
                    ),
                )

    try:
        manifest = asyncio.run(write())
    except (backup_service.BackupError, OSError) as error:
        errors.print(f'[red]Cannot back up to {file}[/red]: {error}')
        raise typer.Exit(1) from error
    print_row_counts(
        f'Backed up to {file}',
        [TableCount(name=entry.name, rows=entry.rows) for entry in manifest.tables],
    )
    console.print(
        f'Media: {len(manifest.media)} stored files (audio, uploaded artwork) from '
        f'{settings.media_folder} '
        f'({sum(m.size for m in manifest.media) / 2**20:,.1f} MiB); files put there by hand '
        'for audio hosted elsewhere are not included: copy them yourself.'
    )
    console.print(f'Left out: {", ".join(manifest.left_out)} (rebuilt or short-lived).')
    console.print(
        f'Signed with the key from {key.source} (key {key.key_id}): a restore needs the same.'
    )


@cli.command()
def restore(
    file: Annotated[
        Path,
        typer.Argument(exists=True, dir_okay=False, help='An archive written by podsite backup.'),
    ],
    force: Annotated[
        bool,
        typer.Option('--force', help='Replace everything in a database that has content.'),
    ] = False,
    trust_unsigned: Annotated[
        bool,
        typer.Option(
            '--trust-unsigned',
            help='Restore an archive that is unsigned, signed with another key, or changed '
            'since it was signed (every other check still holds).',
        ),
    ] = False,
) -> None:
    """Restore a backup into an empty database (migrated first if it has no schema yet).
    Anything wrong (a damaged or foreign file, one not signed with this site's backup key,
    another schema revision, a database with content and no --force) changes nothing and
    exits 1."""
    settings = load_settings()
    key = backup_service.SigningKey.of(settings)
    try:
        with console.status('Checking the backup...'):
            checked = backup_service.check_archive(file, key=key, trust_unsigned=trust_unsigned)
    except backup_service.BackupError as error:
        errors.print(f'[red]Cannot restore {file}[/red]: {error}')
        raise typer.Exit(1) from error
    manifest = checked.manifest
    if checked.signature is backup_service.SignatureCheck.GOOD:
        console.print(f'Signature good: signed with the key from {key.source}.')
    else:
        reason = backup_service.untrusted_reason(checked.signature, key)
        errors.print(
            f'[yellow]Restoring an untrusted backup[/yellow] (--trust-unsigned): {reason}.'
        )

    async def restore_all() -> tuple[TableCount, ...]:
        async with app_with_database(settings):
            await backup_service.prepare_schema()
            with Progress(console=console) as progress:
                task = progress.add_task('Restoring', total=manifest.total_rows)
                return await backup_service.restore_backup(
                    file,
                    manifest,
                    force=force,
                    on_progress=lambda table, rows: progress.update(
                        task, description=f'Restoring {table}', advance=rows
                    ),
                )

    try:
        counts = asyncio.run(restore_all())
    except backup_service.DatabaseNotEmptyError as error:
        errors.print(
            f'[red]Not restored[/red]: {error}. Restore into an empty database, '
            'or pass --force to replace everything.'
        )
        raise typer.Exit(1) from error
    except backup_service.BackupError as error:
        errors.print(f'[red]Cannot restore {file}[/red]: {error}')
        raise typer.Exit(1) from error
    try:
        with console.status('Restoring the audio files...'):
            written = backup_service.restore_media(file, manifest, settings.media_folder)
    except OSError as error:
        errors.print(f'[red]The database is restored but not all audio files[/red]: {error}')
        raise typer.Exit(1) from error
    print_row_counts(
        f'Restored from {file} (made {manifest.created_at:%Y-%m-%d %H:%M} UTC)', counts
    )
    console.print(
        f'Media: {len(manifest.media)} files ({written / 2**20:,.1f} MiB) '
        f'into {settings.media_folder}.'
    )


def print_row_counts(title: str, counts: Sequence[TableCount]) -> None:
    table = Table('table', 'rows', title=title)
    for count in counts:
        table.add_row(count.name, f'{count.rows:,}')
    console.print(table)
    console.print(f'{sum(count.rows for count in counts):,} rows in {len(counts)} tables.')


def main() -> None:
    logging.basicConfig(level=logging.INFO, format='%(message)s')
    # Alembic narrates every step at INFO; the command prints its own summary.
    logging.getLogger('alembic').setLevel(logging.WARNING)
    # httpx logs every request at INFO; check-site and import-feed report their own results.
    logging.getLogger('httpx').setLevel(logging.WARNING)
    cli()
