"""Whether a case may go to legal referral (法律程序). Pure: facts in, the rules that block it out.

A case may be referred when its debt is verified (债务确认), its balance reaches the portfolio's
threshold, the claim is not time-barred (the limitation period runs from the later of the due date
and the last payment, which acknowledges the debt), no dispute is open, it has no open referral
and it was not written off. Every rule that blocks is returned, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class Block(StrEnum):
    NOT_VERIFIED = "not_verified"
    BELOW_THRESHOLD = "below_threshold"
    TIME_BARRED = "time_barred"
    OPEN_DISPUTE = "open_dispute"
    ALREADY_REFERRED = "already_referred"
    WRITTEN_OFF = "written_off"


@dataclass(frozen=True)
class ReferralFacts:
    """What the rules look at, read from the database by `referrals.referral_facts`."""

    is_verified: bool
    balance: Decimal
    min_balance: Decimal
    due_date: date
    last_payment_date: date | None
    limitation_years: int
    today: date
    has_open_dispute: bool
    has_open_referral: bool
    is_written_off: bool

    @property
    def limitation_starts(self) -> date:
        """Return the day the limitation period runs from: the later of due date and last payment."""
        if self.last_payment_date is None:
            return self.due_date
        return max(self.due_date, self.last_payment_date)

    @property
    def limitation_ends(self) -> date:
        """Return the last day a claim may be brought (29 February falls back to the 28th)."""
        start = self.limitation_starts
        year = start.year + self.limitation_years
        try:
            return start.replace(year=year)
        except ValueError:
            return start.replace(year=year, day=28)


def check_referral(facts: ReferralFacts) -> list[Block]:
    """Return every rule that blocks referring the case; empty when it may be referred."""
    blocks = []
    if not facts.is_verified:
        blocks.append(Block.NOT_VERIFIED)
    if facts.balance < facts.min_balance:
        blocks.append(Block.BELOW_THRESHOLD)
    if facts.today > facts.limitation_ends:
        blocks.append(Block.TIME_BARRED)
    if facts.has_open_dispute:
        blocks.append(Block.OPEN_DISPUTE)
    if facts.has_open_referral:
        blocks.append(Block.ALREADY_REFERRED)
    if facts.is_written_off:
        blocks.append(Block.WRITTEN_OFF)
    return blocks
