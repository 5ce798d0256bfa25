"""What `/health` reports."""

from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from podsite.infrastructure import db


async def database_answers() -> bool:
    try:
        await db.session().execute(text('SELECT 1'))
    except (SQLAlchemyError, OSError):
        return False
    return True
