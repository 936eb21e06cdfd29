"""Invent the people and companies of the demo: names, IDs, addresses and phones per market. Pure."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from arrears.usecases.demo import pools
from arrears.usecases.demo.draw import below, between, pick

NATIONAL_FORM_SHARE = 0.1
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")  # reserved (RFC 2606): never delivered
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_USCC_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


@dataclass(frozen=True, slots=True)
class ContactPersonRow:
    """Someone at a company debtor to talk to; the phone in E.164, as a CRM would export it."""

    name: str
    role: str
    title: str
    phone: str
    email: str


@dataclass(frozen=True, slots=True)
class Party:
    """A debtor's identity and contact details, as the import file spells them."""

    debtor_type: str
    name: str
    language: str
    region: str
    phone: str
    address: str
    national_id: str | None = None
    birth_date: date | None = None
    phone2: str | None = None
    email: str | None = None
    contacts: tuple[ContactPersonRow, ...] = field(default=())


def resident_id_checksum(first17: str) -> str:
    """Return the check character of a Chinese resident ID (GB 11643) from its first 17 digits."""
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11]


def credit_code_checksum(first17: str) -> str:
    """Return the check character of a unified social credit code (GB 32100) from its first 17."""
    total = sum(_USCC_CHARS.index(char) * weight for char, weight in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_CHARS[(31 - total % 31) % 31]


def _organization_code(rng: random.Random) -> str:
    body = "".join(pick(rng, "0123456789") for _ in range(8))
    remainder = 11 - sum(int(digit) * weight for digit, weight in zip(body, _ORG_WEIGHTS, strict=True)) % 11
    return body + {10: "X", 11: "0"}.get(remainder, str(remainder))


def to_e164(country_code: str, national: str) -> str:
    """Return a nationally dialled number (trunk prefix 0 included or not) in E.164 form."""
    digits = "".join(char for char in national if char.isdigit())
    return f"+{country_code}{digits.removeprefix('0')}"


def _digits(rng: random.Random, count: int) -> str:
    return str(below(rng, 10**count)).zfill(count)


def _birth_date(rng: random.Random, as_of: date) -> date:
    return as_of - timedelta(days=between(rng, 22 * 365, 66 * 365))


def cn_mobile(rng: random.Random) -> str:
    """Return a random mobile number in a range assigned in mainland China, as dialled nationally."""
    return pick(rng, pools.CN_MOBILE_PREFIXES) + _digits(rng, 8)


def _as_written(rng: random.Random, country_code: str, national: str) -> str:
    """Return a number with a trunk prefix mostly in international form, as CRMs export them."""
    if rng.random() < NATIONAL_FORM_SHARE:
        return national
    return f"+{country_code} {national.removeprefix('0').replace('-', ' ')}"


def _cn_landline(rng: random.Random, place: pools.CnPlace) -> str:
    return _as_written(rng, "86", f"{place.area_code}-{pick(rng, '567')}{_digits(rng, 7)}")


def _cn_name(rng: random.Random) -> tuple[str, str]:
    surname, surname_latin = pick(rng, pools.CN_SURNAMES)
    given, given_latin = pick(rng, pools.CN_GIVEN_NAMES)
    return surname + given, f"{given_latin}.{surname_latin}"


def _cn_address(rng: random.Random, place: pools.CnPlace, district: str) -> str:
    street = pick(rng, place.streets)
    building, room = between(rng, 1, 29), between(rng, 1, 32) * 100 + between(rng, 1, 8)
    return f"{place.province}{place.city}{district}{street}{between(rng, 1, 998)}号{building}栋{room}室"


def _email(rng: random.Random, local: str) -> str:
    return f"{local}{between(rng, 10, 999)}@{pick(rng, EMAIL_DOMAINS)}"


def make_cn_person(rng: random.Random, as_of: date) -> Party:
    """Return a person living in a Chinese city, with a resident ID that passes its checksum."""
    place = pick(rng, pools.CN_PLACES)
    district, district_code = pick(rng, place.districts)
    name, latin = _cn_name(rng)
    birth = _birth_date(rng, as_of)
    first17 = f"{district_code}{birth:%Y%m%d}{_digits(rng, 3)}"
    return Party(
        debtor_type="person",
        name=name,
        language="zh-hans",
        region=place.region,
        phone=cn_mobile(rng),
        phone2=_cn_landline(rng, place) if rng.random() < 0.2 else None,
        email=_email(rng, latin) if rng.random() < 0.6 else None,
        address=_cn_address(rng, place, district),
        national_id=first17 + resident_id_checksum(first17),
        birth_date=birth,
    )


def make_cn_company(rng: random.Random, as_of: date) -> Party:
    """Return a Chinese limited company with its finance contact and its decision-maker."""
    place = pick(rng, pools.CN_PLACES)
    district, district_code = pick(rng, place.districts)
    brand, brand_latin = pick(rng, pools.CN_COMPANY_BRANDS)
    city = place.city.removesuffix("市")
    first17 = f"91{district_code}{_organization_code(rng)}"
    finance_name, finance_latin = _cn_name(rng)
    boss_name, boss_latin = _cn_name(rng)
    contacts = (
        ContactPersonRow(finance_name, "finance", pick(rng, pools.CN_FINANCE_TITLES),
                         to_e164("86", cn_mobile(rng)), _email(rng, finance_latin)),
        ContactPersonRow(boss_name, "decision_maker", pick(rng, pools.CN_DECISION_TITLES),
                         to_e164("86", cn_mobile(rng)), _email(rng, boss_latin)),
    )  # fmt: skip
    return Party(
        debtor_type="company",
        name=f"{city}{brand}{pick(rng, pools.CN_COMPANY_TRADES)}有限公司",
        language="zh-hans",
        region=place.region,
        phone=_cn_landline(rng, place),
        email=f"finance.{brand_latin}{between(rng, 10, 999)}@{pick(rng, EMAIL_DOMAINS)}",
        address=_cn_address(rng, place, district).rsplit("号", 1)[0] + "号",
        national_id=first17 + credit_code_checksum(first17),
        contacts=contacts,
    )


def _western_phone(rng: random.Random, place: pools.WesternPlace, width: int) -> str:
    return pick(rng, place.phone_prefixes) + _digits(rng, width)


def make_us_person(rng: random.Random, as_of: date) -> Party:
    """Return a person in a US city, with a fictional 555-01xx number of that city's area code."""
    place = pick(rng, pools.US_PLACES)
    first, last = pick(rng, pools.US_FIRST_NAMES), pick(rng, pools.US_LAST_NAMES)
    street = f"{between(rng, 10, 9998)} {pick(rng, pools.US_STREETS)}"
    zip_code = pick(rng, place.postal_prefixes) + _digits(rng, 2)
    return Party(
        debtor_type="person",
        name=f"{first} {last}",
        language="en",
        region=place.region,
        phone=_western_phone(rng, place, 2),
        email=_email(rng, f"{first}.{last}".lower()) if rng.random() < 0.8 else None,
        address=f"{street}, {place.city}, {place.region[3:]} {zip_code}",
        birth_date=_birth_date(rng, as_of),
    )


def _uk_address(rng: random.Random, place: pools.WesternPlace) -> str:
    letters = pools.POSTCODE_LETTERS
    postcode = (
        f"{pick(rng, place.postal_prefixes)} {between(rng, 1, 9)}{pick(rng, letters)}{pick(rng, letters)}"
    )
    return f"{between(rng, 1, 199)} {pick(rng, pools.UK_STREETS)}, {place.city} {postcode}"


def make_uk_person(rng: random.Random, as_of: date) -> Party:
    """Return a person in a UK city, with a number from the Ofcom drama range of that city."""
    place = pick(rng, pools.UK_PLACES)
    first, last = pick(rng, pools.UK_FIRST_NAMES), pick(rng, pools.UK_LAST_NAMES)
    return Party(
        debtor_type="person",
        name=f"{first} {last}",
        language="en",
        region=place.region,
        phone=_as_written(rng, "44", _western_phone(rng, place, 3)),
        email=_email(rng, f"{first}.{last}".lower().replace("'", "")) if rng.random() < 0.85 else None,
        address=_uk_address(rng, place),
        birth_date=_birth_date(rng, as_of),
    )


def make_uk_company(rng: random.Random, as_of: date) -> Party:
    """Return a small UK limited company with its owner as the decision-maker."""
    place = pick(rng, pools.UK_PLACES)
    word, trade = pick(rng, pools.UK_COMPANY_WORDS), pick(rng, pools.UK_COMPANY_TRADES)
    owner = f"{pick(rng, pools.UK_FIRST_NAMES)} {pick(rng, pools.UK_LAST_NAMES)}"
    contact = ContactPersonRow(
        owner, "decision_maker", "Director", to_e164("44", _western_phone(rng, place, 3)),
        _email(rng, owner.lower().replace(" ", ".").replace("'", "")),
    )  # fmt: skip
    return Party(
        debtor_type="company",
        name=f"{word} {trade} Ltd",
        language="en",
        region=place.region,
        phone=_as_written(rng, "44", _western_phone(rng, place, 3)),
        email=f"accounts.{word.lower()}{between(rng, 10, 999)}@{pick(rng, EMAIL_DOMAINS)}",
        address=_uk_address(rng, place),
        contacts=(contact,),
    )
