from podsite.infrastructure.memory import release_after_response
from podsite.schemas.catalogue import GuestCard
from podsite.services.catalogue import guest_service
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class GuestsIndexViewModel(ViewModelBase):
    page_title = 'Guests'

    def __init__(self) -> None:
        super().__init__()
        self.guests: list[GuestCard] = []

    async def load_page_async(self) -> None:
        self.guests = await guest_service.guests_on_air()
        release_after_response()
        self.description = f'The {len(self.guests)} people who have been on {self.site.title}.'
