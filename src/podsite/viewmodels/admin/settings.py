from collections.abc import Mapping

from pydantic import ValidationError

from podsite.infrastructure.auth import current_user
from podsite.schemas.admin import PodcastWrite
from podsite.services import podcast_service
from podsite.viewmodels.shared.form import FormViewModel

TEXT_FIELDS = (
    ('title', 'Title'), ('subtitle', 'Subtitle'), ('author', 'Author'),
    ('owner_name', 'Owner name'), ('owner_email', 'Owner email (Apple writes here)'),
    ('language', 'Language (e.g. en, de-CH)'), ('artwork_url', 'Artwork URL (JPEG or PNG)'),
    ('website_url', 'Website'), ('copyright', 'Copyright'),
    ('funding_url', 'Support link (podcast:funding)'), ('funding_text', 'Support link text'),
    ('update_frequency_text', 'How often (podcast:updateFrequency)'),
    ('update_frequency_rrule', 'How often, as an RRULE (FREQ=WEEKLY;BYDAY=MO)'),
)  # fmt: skip


class SettingsViewModel(FormViewModel):
    page_title = 'Podcast settings · Admin'

    def __init__(self, form: Mapping[str, str] | None = None) -> None:
        super().__init__(form)
        self.text_fields = TEXT_FIELDS

    async def load_page_async(self) -> None:
        if self.form:
            return
        current = await podcast_service.settings_for_edit()
        if current is None:
            return
        self.form = {name: str(getattr(current, name)) for name, _ in TEXT_FIELDS}
        self.form['description'] = current.description
        self.form['categories'] = '\n'.join(' > '.join(path) for path in current.categories)
        self.form['explicit'] = 'on' if current.explicit else ''
        self.form['locked'] = 'on' if current.locked else ''

    async def save_async(self) -> None:
        values: dict[str, object] = {name: self.text(name) for name, _ in TEXT_FIELDS}
        values['description'] = self.form.get('description', '').replace('\x00', '').strip()
        values['categories'] = [
            [part.strip() for part in line.split('>') if part.strip()][:2]
            for line in self.text('categories').splitlines()
            if line.strip()
        ]
        values['explicit'] = self.checked('explicit')
        values['locked'] = self.checked('locked')
        try:
            data = PodcastWrite.model_validate(values)
        except ValidationError as error:
            self.add_validation_errors(error)
            return
        actor = current_user()
        assert actor is not None
        await podcast_service.save_settings(data=data, actor=actor)
        self.message = 'Saved. The site and the feed show it now.'
