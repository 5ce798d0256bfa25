"""What an account must be: its role, a usable address, a password of a sane length.

Pure rules, no database: the account forms and `podsite create-admin` check the same ones,
each problem as one sentence the person can act on.
"""

import re

ROLES = ('listener', 'advertiser', 'admin')
EMAIL = re.compile(r'[^@\s]{1,64}@[^@\s]+\.[^@\s.]{2,}')
MAX_EMAIL_LENGTH = 320
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1000


def email_problem(value: str) -> str | None:
    if not value:
        return 'Email is required.'
    if len(value) > MAX_EMAIL_LENGTH or not EMAIL.fullmatch(value):
        return 'Enter an email address like name@example.com.'
    return None


def password_problem(value: str) -> str | None:
    if len(value) < MIN_PASSWORD_LENGTH:
        return f'Use at least {MIN_PASSWORD_LENGTH} characters.'
    if len(value) > MAX_PASSWORD_LENGTH:
        return f'Use at most {MAX_PASSWORD_LENGTH} characters.'
    return None
