from podsite.schemas.catalogue import SponsorProfile
from podsite.services.sponsors import sponsor_service
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class FriendsViewModel(ViewModelBase):
    """The sponsors who make the show possible."""

    page_title = 'Friends of the show'
    description = 'The sponsors who support the show, and what they do.'

    def __init__(self) -> None:
        super().__init__()
        self.sponsors: list[SponsorProfile] = []

    async def load_page_async(self) -> None:
        self.sponsors = await sponsor_service.sponsor_profiles()
