from podsite.infrastructure.slugs import is_valid_slug
from podsite.services.catalogue import policy_service
from podsite.services.catalogue.policy_service import PolicyPage
from podsite.viewmodels.shared.formatting import date_text
from podsite.viewmodels.shared.viewmodel_base import ViewModelBase


class PolicyViewModel(ViewModelBase):
    def __init__(self, slug: str) -> None:
        super().__init__()
        self.slug = slug
        self.policy: PolicyPage | None = None
        self.date_text = date_text

    async def load_page_async(self) -> None:
        if is_valid_slug(self.slug):
            self.policy = await policy_service.policy(self.slug)
        if self.policy is not None:
            self.page_title = self.policy.title
