from podsite.services.operations import health_service


class HealthViewModel:
    """What `/health` tells a load balancer or a container runtime: whether this instance's
    database answers (the page is 503 when it does not)."""

    def __init__(self) -> None:
        self.database_ok = False

    async def load_async(self) -> None:
        self.database_ok = await health_service.database_answers()

    def answer(self) -> dict[str, object]:
        return {'status': 'ok' if self.database_ok else 'unavailable', 'database': self.database_ok}
