from collections.abc import Mapping
from urllib.parse import urlsplit

from pydantic import ValidationError

from podsite.formats.apple_categories import (
    APPLE_CATEGORIES,
    SEPARATOR,
    category_choice,
    category_path,
)
from podsite.formats.subscribe_apps import APPS, derived_urls
from podsite.infrastructure.auth import current_user
from podsite.schemas.admin import PodcastWrite
from podsite.services.catalogue import podcast_service
from podsite.settings import current_settings
from podsite.urls import absolute, artwork_url, feed_url
from podsite.viewmodels.admin.artwork_upload import describe, take_artwork, thumbnail_url
from podsite.viewmodels.admin.audio_tags import queue_every_episode, tag_writing_progress
from podsite.viewmodels.shared.form import FormViewModel

TEXT_FIELDS = (
    ('title', 'Title'), ('subtitle', 'Subtitle'), ('author', 'Author'),
    ('owner_name', 'Owner name'), ('owner_email', 'Owner email (Apple writes here)'),
    ('language', 'Language (e.g. en, de-CH)'),
    ('artwork_url', 'Artwork URL (JPEG or PNG; an upload below fills it in)'),
    ('website_url', 'Website'), ('copyright', 'Copyright'),
    ('funding_url', 'Support link (podcast:funding)'), ('funding_text', 'Support link text'),
    ('update_frequency_text', 'How often (podcast:updateFrequency)'),
    ('update_frequency_rrule', 'How often, as an RRULE (FREQ=WEEKLY;BYDAY=MO)'),
)  # fmt: skip
MAX_URL_LENGTH = 2000
CATEGORY_FIELDS = (
    ('category_1', 'Apple category'),
    ('category_2', 'Second category (optional)'),
    ('category_3', 'Third category (optional)'),
)
# Each top category heads its group and can be chosen alone, as Apple allows.
CATEGORY_GROUPS = [
    (name, [(name, f'{name} (no subcategory)')]
     + [(f'{name}{SEPARATOR}{sub}', sub) for sub in subcategories])
    for name, subcategories in APPLE_CATEGORIES.items()
]  # fmt: skip


class SettingsViewModel(FormViewModel):
    page_title = 'Podcast settings · Admin'
    field_labels = (
        dict(TEXT_FIELDS)
        | dict(CATEGORY_FIELDS)
        | {
            'description': 'Description',
            'artwork': 'Artwork',
            'new_feed_url': 'New feed URL',
            'redirect_feed': 'Redirect the old feed',
        }
    )

    def __init__(
        self, form: Mapping[str, str] | None = None, uploaded_artwork: bytes | None = None
    ) -> None:
        super().__init__(form)
        self.uploaded_artwork = uploaded_artwork
        self.text_fields = TEXT_FIELDS
        self.thumbnail_url = thumbnail_url
        self.category_fields = CATEGORY_FIELDS
        self.category_groups = CATEGORY_GROUPS
        self.unlisted_categories: dict[str, str] = {}
        self.subscribe_apps = APPS
        self.suggested_urls: dict[str, str] = {}
        self.tag_progress = ''

    async def load_page_async(self) -> None:
        await self._load_form_async()
        # A stored name from elsewhere (an imported feed) is shown as it is, to be replaced.
        self.unlisted_categories = {
            name: self.form[name]
            for name, _ in CATEGORY_FIELDS
            if self.form.get(name) and category_path(self.form[name]) is None
        }
        self.suggested_urls = derived_urls(
            feed_url=self._own_feed_url(), apple_url=self.text('subscribe_apple_podcasts')
        )
        self.tag_progress = await tag_writing_progress()

    async def _load_form_async(self) -> None:
        if self.form:
            return
        current = await podcast_service.settings_for_edit()
        if current is None:
            return
        self.form = {name: str(getattr(current, name)) for name, _ in TEXT_FIELDS}
        self.form['description'] = current.description
        for (name, _), path in zip(CATEGORY_FIELDS, current.categories, strict=False):
            self.form[name] = category_choice(path)
        self.form['explicit'] = 'on' if current.explicit else ''
        self.form['locked'] = 'on' if current.locked else ''
        self.form['new_feed_url'] = str(current.new_feed_url)
        self.form['redirect_feed'] = 'on' if current.redirect_feed else ''
        self.form['artwork_file'] = current.artwork_file
        for app in APPS:
            self.form[f'subscribe_{app.key}'] = current.subscribe_urls.get(app.key, '')

    async def save_async(self) -> None:
        stored = await take_artwork(self, self.uploaded_artwork)
        if stored is not None:
            self.form['artwork_url'] = artwork_url(stored.file_name)
        values: dict[str, object] = {name: self.text(name) for name, _ in TEXT_FIELDS}
        values['artwork_file'] = self._artwork_file()
        values['description'] = self.text('description')
        values['categories'] = self._categories()
        values['explicit'] = self.checked('explicit')
        values['locked'] = self.checked('locked')
        values['new_feed_url'] = self._new_feed_url()
        values['redirect_feed'] = self.checked('redirect_feed')
        values['subscribe_urls'] = self._subscribe_urls()
        if values['redirect_feed'] and not values['new_feed_url']:
            self.errors.setdefault(
                'redirect_feed', 'Redirecting needs the new feed URL: enter it above.'
            )
        try:
            data = PodcastWrite.model_validate(values)
        except ValidationError as error:
            self.add_validation_errors(error, {'artwork_file': 'artwork'})
        if self.errors:
            return
        actor = current_user()
        assert actor is not None
        before = await podcast_service.settings_for_edit()
        await podcast_service.save_settings(data=data, actor=actor)
        notes = ['Saved. The site and the feed show it now.', describe(stored)]
        if before is None or _in_the_tags(before) != _in_the_tags(data):
            queued = await queue_every_episode()
            notes.append(queued)
            if queued:
                self.tag_progress = ''  # the note says it
        self.message = ' '.join(note for note in notes if note)

    def _artwork_file(self) -> str:
        """The uploaded artwork while the artwork URL is still its address; an address typed
        in its place means the show's artwork is elsewhere now."""
        name = self.text('artwork_file')
        if name and self.text('artwork_url') != artwork_url(name):
            self.form['artwork_file'] = ''
            return ''
        return name

    def _categories(self) -> list[list[str]]:
        """The chosen categories in order, each one from Apple's list: a name Apple does not
        know would be ignored by Apple, or get the feed refused."""
        chosen: list[list[str]] = []
        for name, _ in CATEGORY_FIELDS:
            choice = self.text(name)
            if not choice:
                continue
            path = category_path(choice)
            if path is None:
                self.errors[name] = f'"{choice}" is not one of Apple\'s categories: choose one.'
            elif path in chosen:
                self.errors[name] = 'This category is chosen above already.'
            else:
                chosen.append(path)
        return chosen

    def _new_feed_url(self) -> str:
        """The address the feed moved to, with a message of its own for each way it can be
        wrong: Pydantic's would not say what a feed address must look like."""
        value = self.text('new_feed_url')
        if not value:
            return ''
        if not _is_web_address(value):
            self.errors['new_feed_url'] = (
                'Enter the full address of the new feed, starting with https:// (or http://).'
            )
        elif len(value) > MAX_URL_LENGTH:
            self.errors['new_feed_url'] = (
                f'The new feed URL can be at most {MAX_URL_LENGTH} characters.'
            )
        elif _same_address(value, self._own_feed_url()):
            self.errors['new_feed_url'] = (
                "That is this site's own feed; enter the address the feed has moved to."
            )
        return value

    def _subscribe_urls(self) -> dict[str, str]:
        """The apps given a URL, each checked here so that its message names the app."""
        urls = {}
        for app in APPS:
            field = f'subscribe_{app.key}'
            value = self.text(field)
            if not value:
                continue
            if not _is_web_address(value):
                self.errors[field] = (
                    f'Enter the full address of the show in {app.name}, starting with https://.'
                )
            elif len(value) > MAX_URL_LENGTH:
                self.errors[field] = f'The address can be at most {MAX_URL_LENGTH} characters.'
            urls[app.key] = value
        return urls

    @staticmethod
    def _own_feed_url() -> str:
        return absolute(current_settings().public_base_url, feed_url())


def _in_the_tags(podcast: PodcastWrite) -> tuple[str, str, str]:
    """What of the show each episode's audio file carries in its tags."""
    return podcast.title, podcast.author, podcast.artwork_file


def _is_web_address(value: str) -> bool:
    """An http(s) URL with a host and a possible port: urlsplit raises for `https://[::1`,
    and reading the port of `https://host:99999` does."""
    try:
        parts = urlsplit(value)
        has_port = parts.port is not None
    except ValueError:
        return False
    return (
        parts.scheme in {'http', 'https'}
        and bool(parts.hostname)
        and (has_port or not parts.netloc.endswith(':'))
        and ' ' not in value
    )


def _same_address(first: str, second: str) -> bool:
    """Scheme, query and a trailing slash aside: redirecting http to https of the same
    path would send apps round in a loop."""
    a, b = urlsplit(first), urlsplit(second)
    return (a.hostname, a.port, a.path.rstrip('/')) == (b.hostname, b.port, b.path.rstrip('/'))
