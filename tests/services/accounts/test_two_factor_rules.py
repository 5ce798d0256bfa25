"""The rules of two-factor codes, without a database: which moment's code is accepted, how a
typed code is read, what recovery codes look like."""

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit

import pyotp
import pytest

from podsite.services.accounts import two_factor_rules as rules

SECRET = 'JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP'
AT = datetime(2026, 12, 8, 10, 0, 15, tzinfo=UTC)
STEP = timedelta(seconds=30)


def code(at: datetime) -> str:
    return pyotp.TOTP(SECRET).at(at)


def test_a_code_is_matched_to_its_step_with_one_step_either_side() -> None:
    step = pyotp.TOTP(SECRET).timecode(AT)
    assert rules.matching_step(secret=SECRET, code=code(AT), at=AT) == step
    assert rules.matching_step(secret=SECRET, code=code(AT - STEP), at=AT) == step - 1
    assert rules.matching_step(secret=SECRET, code=code(AT + STEP), at=AT) == step + 1
    assert rules.matching_step(secret=SECRET, code=code(AT - 2 * STEP), at=AT) is None
    assert rules.matching_step(secret=SECRET, code=code(AT + 2 * STEP), at=AT) is None


FULLWIDTH_DIGITS = '\uff11\uff12\uff13\uff14\uff15\uff16'
ARABIC_INDIC_DIGITS = '\u0661\u0662\u0663\u0664\u0665\u0666'


@pytest.mark.parametrize(
    'typed', ['', '12345', '1234567', 'abcdef', FULLWIDTH_DIGITS, ARABIC_INDIC_DIGITS, '12 34 56']
)
def test_only_six_plain_digits_are_an_authenticator_code(typed: str) -> None:
    assert rules.matching_step(secret=SECRET, code=typed, at=AT) is None


def test_typed_codes_lose_spaces_dashes_and_case() -> None:
    assert rules.normalize_code(' 123 456 ') == '123456'
    assert rules.normalize_code('ABCDE - FGHJK') == 'abcdefghjk'
    assert rules.normalize_code('\uff11\uff12\uff13 \uff14\uff15\uff16') == '123456'
    assert rules.normalize_code('\u0661\u0662\u0663\u0664\u0665\u0666') != '123456'
    assert len(rules.normalize_code('x' * 10_000)) == 100


def test_recovery_codes_are_ten_distinct_readable_codes() -> None:
    codes = rules.new_recovery_codes()
    assert len(codes) == len(set(codes)) == rules.RECOVERY_CODE_COUNT
    for recovery_code in codes:
        assert rules.could_be_recovery_code(recovery_code)
        assert not set(recovery_code) & set('01ilo')
        shown = rules.formatted(recovery_code)
        assert shown[5] == '-' and rules.normalize_code(shown.upper()) == recovery_code
    assert not rules.could_be_recovery_code('123456')
    assert not rules.could_be_recovery_code('abcdefghj0')


def test_the_provisioning_address_names_the_site_and_the_account() -> None:
    uri = rules.provisioning_uri(secret=SECRET, account='host@example.com', issuer='My Show: Live')
    parts = urlsplit(uri)
    assert (parts.scheme, parts.netloc) == ('otpauth', 'totp')
    query = parse_qs(parts.query)
    assert query['secret'] == [SECRET] and query['issuer'] == ['My Show: Live']
    assert 'host%40example.com' in parts.path


def test_new_secrets_are_long_and_different() -> None:
    first, second = rules.new_secret(), rules.new_secret()
    assert first != second and len(first) >= 32
