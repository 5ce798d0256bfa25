"""Read models of accounts."""

from podsite.schemas.catalogue import ReadModel


class UserInfo(ReadModel):
    id: int
    email: str
    name: str
    role: str
    sponsor_id: int | None
    wants_episode_emails: bool

    @property
    def is_admin(self) -> bool:
        return self.role == 'admin'
