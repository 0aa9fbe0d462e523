"""The directory as plain data: organisations, their offers and their cooperations.

Shaped after Open Referral's Human Services Data Specification (HSDS 3.0): an organisation
provides services (here: offers) at locations in service areas (here: districts, or the whole
city). Names and descriptions are German, as the provider wrote them; a description may have
translations (language code -> text). Stored in storage/offers.py; read through
bot/offers/directory.py; ranked for a person by bot/offers/matching.py.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from bot.core.vocabulary import ORGANISATION_KIND_NAMES
from storage.types import OfferStatus, OrganisationKind

# A contact's columns (in the sheet, the table and an entry's JSON), in the order of Contact.
CONTACT_COLUMNS = ("contact_name", "email", "phone", "website")


@dataclass(frozen=True)
class Contact:
    """How to reach an organisation: a person to ask for, an e-mail address, a phone, a website."""

    name: str = ""
    email: str = ""
    phone: str = ""
    website: str = ""

    @classmethod
    def of(cls, columns: Mapping[str, Any]) -> Contact:
        """The contact in these columns (CONTACT_COLUMNS), a missing or empty one as ""."""
        return cls(*(columns.get(c) or "" for c in CONTACT_COLUMNS))

    def columns(self) -> dict[str, str]:
        return dict(
            zip(CONTACT_COLUMNS, (self.name, self.email, self.phone, self.website), strict=True)
        )


@dataclass(frozen=True)
class Organisation:
    id: int
    name: str
    kind: OrganisationKind
    contact: Contact = Contact()


def organisation_texts(org: Organisation) -> dict[str, str]:
    """An organisation's fields (without its id) as text: its kind by its German name."""
    return {
        "name": org.name,
        "kind": ORGANISATION_KIND_NAMES[org.kind.value],
        **org.contact.columns(),
    }


@dataclass(frozen=True)
class Offer:
    id: int
    organisation_id: int
    name: str
    description: str = ""
    fields: frozenset[str] = frozenset()  # ids of the config's fields of action
    districts: frozenset[str] = frozenset()  # district ids; empty: the whole city
    address: str = ""
    languages: frozenset[str] = frozenset()  # ISO 639 codes it is offered in; German is "de"
    target_groups: str = ""
    age_min: int | None = None
    age_max: int | None = None
    costs: str = ""
    schedule: str = ""
    access: str = ""  # how to get there, accessibility
    status: OfferStatus = OfferStatus.active
    last_confirmed: date | None = None
    translations: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def city_wide(self) -> bool:
        return not self.districts


@dataclass(frozen=True)
class Cooperation:
    organisation_id: int
    partner: str  # the partner's name (an organisation of the directory or not)
    fields: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Entry:
    """One organisation with everything it provides: what a provider submits and a coordinator
    approves as a whole."""

    organisation: Organisation
    offers: tuple[Offer, ...] = ()
    cooperations: tuple[Cooperation, ...] = ()
