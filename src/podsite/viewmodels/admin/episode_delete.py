"""Deleting an episode: a confirmation page that says what goes with it, then the delete
(audited) and its audio files."""

import asyncio

from podsite.infrastructure.auth import current_user
from podsite.infrastructure.media_files import remove_episode_files
from podsite.schemas.admin import EpisodeRemoval
from podsite.services.admin import admin_service
from podsite.settings import current_settings
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class EpisodeDeleteViewModel(ViewModelBase):
    page_title = 'Delete episode · Admin'

    def __init__(self, episode_id: int) -> None:
        super().__init__()
        self.episode_id = episode_id
        self.removal: EpisodeRemoval | None = None
        self.goes_with_it: list[str] = []

    async def load_page_async(self) -> None:
        self.removal = await admin_service.episode_removal(self.episode_id)
        if self.removal is not None:
            self.goes_with_it = what_goes(self.removal)

    async def delete_async(self) -> bool:
        actor = current_user()
        assert actor is not None
        removal = await admin_service.delete_episode(episode_id=self.episode_id, actor=actor)
        if removal is None:
            return False
        await asyncio.to_thread(
            remove_episode_files,
            current_settings().media_folder,
            number=removal.number,
            name=removal.media_file,
        )
        return True


def what_goes(removal: EpisodeRemoval) -> list[str]:
    """Each thing deleted with the episode, in the host's words."""
    goes = [
        f'its download history: {removal.counted_downloads:,} counted downloads from '
        f'{removal.download_events:,} recorded requests',
    ]
    if removal.media_file:
        goes.append(f'its audio file, {removal.media_file}, and any replaced files still kept')
    if removal.has_transcript:
        goes.append('its transcript')
    if removal.has_chapters:
        goes.append('its chapters')
    if removal.appearances:
        goes.append(f'{removal.appearances} guest and host appearances (the people stay)')
    if removal.sponsor_reads:
        goes.append(
            f'{removal.sponsor_reads} sponsor reads and their impressions (the sponsors stay)'
        )
    return goes
