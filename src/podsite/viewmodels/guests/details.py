from podsite.infrastructure.slugs import is_valid_slug
from podsite.schemas.catalogue import GuestDetails
from podsite.services.catalogue import guest_service
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class GuestDetailsViewModel(ViewModelBase):
    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug
        self.guest: GuestDetails | None = None
        self.date_text = date_text

    async def load_page_async(self) -> None:
        if not is_valid_slug(self.slug):
            return
        self.guest = await guest_service.guest_by_slug(self.slug)
        if self.guest is not None:
            self.page_title = self.guest.name
            self.description = self.guest.bio[:300]
