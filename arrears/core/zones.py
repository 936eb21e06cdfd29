"""Candidate IANA time zones of a debtor, from an address region or a phone number.

A region may span several zones (Texas, Florida, Indiana …); every zone a person there could be in
is a candidate, so the compliance engine can allow contact only when it is allowed in all of them.
"""

from __future__ import annotations

from functools import cache

import phonenumbers
from phonenumbers import timezone as phone_timezone

# Countries with one civil time (or one used for collection purposes).
COUNTRY_ZONES: dict[str, tuple[str, ...]] = {
    "CN": ("Asia/Shanghai",), "HK": ("Asia/Hong_Kong",), "MO": ("Asia/Macau",), "TW": ("Asia/Taipei",),
    "SG": ("Asia/Singapore",), "JP": ("Asia/Tokyo",), "KR": ("Asia/Seoul",), "MY": ("Asia/Kuala_Lumpur",),
    "TH": ("Asia/Bangkok",), "VN": ("Asia/Ho_Chi_Minh",), "PH": ("Asia/Manila",), "IN": ("Asia/Kolkata",),
    "GB": ("Europe/London",), "IE": ("Europe/Dublin",), "DE": ("Europe/Berlin",), "FR": ("Europe/Paris",),
    "NL": ("Europe/Amsterdam",), "IT": ("Europe/Rome",), "ES": ("Europe/Madrid", "Atlantic/Canary"),
    "PL": ("Europe/Warsaw",), "SE": ("Europe/Stockholm",), "NZ": ("Pacific/Auckland",),
    "AE": ("Asia/Dubai",), "SA": ("Asia/Riyadh",), "ZA": ("Africa/Johannesburg",),
    "US": ("America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
           "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"),
    "CA": ("America/St_Johns", "America/Halifax", "America/Toronto", "America/Winnipeg",
           "America/Regina", "America/Edmonton", "America/Vancouver"),
    "AU": ("Australia/Sydney", "Australia/Brisbane", "Australia/Adelaide", "Australia/Darwin",
           "Australia/Perth", "Australia/Hobart"),
}  # fmt: skip

_ET, _CT, _MT, _PT = "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles"
SUBDIVISION_ZONES: dict[str, tuple[str, ...]] = {
    "US-AL": (_CT,), "US-AK": ("America/Anchorage", "America/Adak"), "US-AZ": ("America/Phoenix", _MT),
    "US-AR": (_CT,), "US-CA": (_PT,), "US-CO": (_MT,), "US-CT": (_ET,), "US-DE": (_ET,), "US-DC": (_ET,),
    "US-FL": (_ET, _CT), "US-GA": (_ET,), "US-HI": ("Pacific/Honolulu",), "US-ID": (_MT, _PT),
    "US-IL": (_CT,), "US-IN": ("America/Indiana/Indianapolis", _CT), "US-IA": (_CT,), "US-KS": (_CT, _MT),
    "US-KY": (_ET, _CT), "US-LA": (_CT,), "US-ME": (_ET,), "US-MD": (_ET,), "US-MA": (_ET,),
    "US-MI": ("America/Detroit", _CT), "US-MN": (_CT,), "US-MS": (_CT,), "US-MO": (_CT,), "US-MT": (_MT,),
    "US-NE": (_CT, _MT), "US-NV": (_PT, _MT), "US-NH": (_ET,), "US-NJ": (_ET,), "US-NM": (_MT,),
    "US-NY": (_ET,), "US-NC": (_ET,), "US-ND": (_CT, _MT), "US-OH": (_ET,), "US-OK": (_CT,),
    "US-OR": (_PT, _MT), "US-PA": (_ET,), "US-RI": (_ET,), "US-SC": (_ET,), "US-SD": (_CT, _MT),
    "US-TN": (_CT, _ET), "US-TX": (_CT, _MT), "US-UT": (_MT,), "US-VT": (_ET,), "US-VA": (_ET,),
    "US-WA": (_PT,), "US-WV": (_ET,), "US-WI": (_CT,), "US-WY": (_MT,), "US-PR": ("America/Puerto_Rico",),
    "CA-NL": ("America/St_Johns",), "CA-NS": ("America/Halifax",), "CA-NB": ("America/Moncton",),
    "CA-PE": ("America/Halifax",), "CA-QC": ("America/Toronto",), "CA-ON": ("America/Toronto",),
    "CA-MB": ("America/Winnipeg",), "CA-SK": ("America/Regina",), "CA-AB": ("America/Edmonton",),
    "CA-BC": ("America/Vancouver",),
    "AU-NSW": ("Australia/Sydney",), "AU-VIC": ("Australia/Melbourne",), "AU-QLD": ("Australia/Brisbane",),
    "AU-SA": ("Australia/Adelaide",), "AU-WA": ("Australia/Perth",), "AU-TAS": ("Australia/Hobart",),
    "AU-NT": ("Australia/Darwin",), "AU-ACT": ("Australia/Sydney",),
    "ES-CN": ("Atlantic/Canary",),
}  # fmt: skip


def zones_for_region(region: str) -> list[str]:
    """Return the candidate zones of an ISO 3166-1 country or 3166-2 subdivision code ([] if unknown)."""
    code = region.strip().upper()
    if code in SUBDIVISION_ZONES:
        return list(SUBDIVISION_ZONES[code])
    return list(COUNTRY_ZONES.get(code.partition("-")[0], ()))


def zones_for_phone(e164: str) -> list[str]:
    """Return the candidate zones phonenumbers knows for an E.164 number ([] if unknown)."""
    return list(_phone_zones(e164))


@cache
def _phone_zones(e164: str) -> tuple[str, ...]:
    try:
        number = phonenumbers.parse(e164)
    except phonenumbers.NumberParseException:
        return ()
    return tuple(
        sorted(zone for zone in phone_timezone.time_zones_for_number(number) if zone != "Etc/Unknown")
    )
