from podsite.infrastructure.memory import large_document_turn
from podsite.schemas.catalogue import GuestCard
from podsite.services.catalogue import guest_service
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class GuestsIndexViewModel(ViewModelBase):
    page_title = 'Guests'

    def __init__(self) -> None:
        super().__init__()
        self.guests: list[GuestCard] = []

    async def load_page_async(self) -> None:
        await large_document_turn()
        self.guests = await guest_service.guests_on_air()
        self.description = f'The {len(self.guests)} people who have been on {self.site.title}.'
