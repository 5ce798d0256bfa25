"""What two-factor sign-in accepts: authenticator codes (TOTP, RFC 6238, through `pyotp`)
and recovery codes. Pure rules, no database, no clock of their own: the moment a code is
checked at is passed in, so tests move time instead of waiting for it.

An authenticator code is accepted for its own 30-second step and the one on either side
(RFC 6238's recommended allowance for a phone's clock and the time it takes to type), and
only for a step later than the last one accepted (`TotpCredential.last_used_step`).
"""

import hmac
import re
import secrets
import unicodedata
from datetime import datetime

import pyotp

RECOVERY_CODE_COUNT = 10
RECOVERY_CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'
"""No 0/o, 1/l/i: a code copied from paper must be read as written."""
RECOVERY_CODE_LENGTH = 10
"""About 49 bits each: beyond guessing at the sign-in's rate limit, with argon2 behind it."""
ALLOWED_DRIFT_STEPS = 1
TOTP_CODE = re.compile(r'[0-9]{6}')  # not \d: it matches other scripts' digits too
SEPARATORS = re.compile(r'[\s-]+')


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(*, secret: str, account: str, issuer: str) -> str:
    """The `otpauth://` address an authenticator app reads from the QR code."""
    return pyotp.TOTP(secret).provisioning_uri(name=account, issuer_name=issuer)


def normalize_code(text: str) -> str:
    """A code as typed or pasted: compatibility forms folded (the full-width digits a
    Japanese or Chinese keyboard types are digits), spaces and dashes dropped, lowercase."""
    return SEPARATORS.sub('', unicodedata.normalize('NFKC', text[:200])).lower()[:100]


def is_authenticator_code(code: str) -> bool:
    """Six digits are an authenticator's code; anything else may be a recovery code."""
    return TOTP_CODE.fullmatch(code) is not None


def could_be_recovery_code(code: str) -> bool:
    return len(code) == RECOVERY_CODE_LENGTH and all(c in RECOVERY_CODE_ALPHABET for c in code)


def matching_step(*, secret: str, code: str, at: datetime) -> int | None:
    """The time step whose code `code` is, around `at`; None when it is none of them."""
    if not is_authenticator_code(code):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for step in range(now_step - ALLOWED_DRIFT_STEPS, now_step + ALLOWED_DRIFT_STEPS + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def new_recovery_codes() -> list[str]:
    """Fresh codes as they are kept (normalized); `formatted` shows them to people."""
    return [
        ''.join(secrets.choice(RECOVERY_CODE_ALPHABET) for _ in range(RECOVERY_CODE_LENGTH))
        for _ in range(RECOVERY_CODE_COUNT)
    ]


def formatted(recovery_code: str) -> str:
    """`abcde-fghjk`: two halves are easier to copy by hand."""
    half = len(recovery_code) // 2
    return f'{recovery_code[:half]}-{recovery_code[half:]}'
