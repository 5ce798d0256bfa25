"""What the session holds between the steps of two-factor sign-in and of its enrolment.

Signing in: after the right password, an account with two-factor sign-in is not logged in.
The session (a cookie signed with the secret key, as every session is) holds only which
account is signing in and since when; it carries no login token, so every page still sees
an anonymous visitor. The state lasts five minutes by the app's clock, and `auth.log_in`
clears it when the code is right.

Enrolling: the new authenticator secret waits in the session until a code made from it is
typed back, so a reloaded page shows the same QR code, and an enrolment left half-way
stores nothing.
"""

from datetime import timedelta

from quart import session

from podsite.infrastructure import clock
from podsite.services.accounts import two_factor_rules

SIGN_IN_KEY = 'two_factor_sign_in'
ENROLMENT_KEY = 'two_factor_enrolment'
SIGN_IN_LIFETIME = timedelta(minutes=5)


def begin_sign_in(user_id: int) -> None:
    """The password was right: from now on the session waits for the code, and nothing from
    before (a login of someone else, their CSRF token) is kept."""
    session.clear()
    session[SIGN_IN_KEY] = {'user_id': user_id, 'since': clock.now().timestamp()}


def signing_in_user_id() -> int | None:
    """The account whose code the session waits for, if it has not waited too long."""
    pending = session.get(SIGN_IN_KEY)
    if not isinstance(pending, dict):
        return None
    user_id, since = pending.get('user_id'), pending.get('since')
    waited = clock.now().timestamp() - since if isinstance(since, int | float) else -1.0
    if not isinstance(user_id, int) or not 0 <= waited <= SIGN_IN_LIFETIME.total_seconds():
        session.pop(SIGN_IN_KEY, None)
        return None
    return user_id


def enrolment_secret() -> str:
    """The secret being enrolled: the same one until the enrolment ends."""
    secret = session.get(ENROLMENT_KEY)
    if not isinstance(secret, str):
        secret = two_factor_rules.new_secret()
        session[ENROLMENT_KEY] = secret
    return secret


def end_enrolment() -> None:
    session.pop(ENROLMENT_KEY, None)
