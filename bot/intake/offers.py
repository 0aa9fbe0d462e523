"""Offers for the person: at the end of the questionnaire and on /offers, per field of need
the best few of the directory (bot/offers/matching.py), in the person's language where the
directory has it. Nothing is stored about which offers were shown."""

from __future__ import annotations

from collections.abc import Mapping

from bot.core.i18n import N_, Msg, babel_locale
from bot.flows.needs import Answers
from bot.flows.schema import Flow, text_context
from bot.intake.answering import Answering
from bot.offers.matching import Seeker, seeker_of, suggest
from bot.offers.model import Offer
from bot.offers.source import OfferSource
from bot.ui.model import Screen

INTRO = N_("Diese Angebote in {city} passen zu dem, was Sie brauchen:")
FIELD_HEADING = N_("Zum Thema „{field}“:")
OFFERED_IN = N_("Sprachen: {languages}")
AGAIN = N_("Mit /offers sehen Sie diese Angebote jederzeit wieder.")
# What the person reads instead of suggestions, by why there are none.
NO_SUGGESTIONS = {
    "no_needs": N_(
        "Nach Ihren Antworten brauchen Sie zurzeit keine Beratung. Darum schlage ich Ihnen keine "
        "Angebote vor."
    ),
    "no_offers": N_(
        "Für das, was Sie brauchen, kenne ich noch keine passenden Angebote in Ihrer Nähe. Das "
        "Kommunale Integrationsmanagement hilft Ihnen weiter."
    ),
    "not_finished": N_(
        "Wenn Sie den Fragebogen fertig beantwortet haben, zeige ich Ihnen hier passende "
        "Angebote. Mit /start geht es weiter."
    ),
}


def field_title(flow: Flow, field: str, german: str) -> Msg | str:
    """A field of action as the person reads it: the title of the flow's section of that field
    (translated with the flow), else its German name."""
    section = next((s for s in flow.sections if s.field == field), None)
    if section is None:
        return german
    return Msg(section.title, context=text_context(flow.id, "section", section.id))


def language_in(code: str, language: str) -> str:
    """The name of a language (ISO code) in the reader's language: "Arabisch", "العربية"."""
    name = babel_locale(language).languages.get(code.replace("-", "_")) or code
    return name[:1].upper() + name[1:]


def offer_parts(offer: Offer, language: str) -> tuple[Msg | str, ...]:
    """One offer: its name and address as written, its description (translated if the
    directory has it in the person's language), the languages it is offered in."""
    parts: list[Msg | str] = ["▪ " + "\n".join(p for p in (offer.name, offer.address) if p)]
    description = offer.translations.get(language) or offer.description
    if description:
        parts.append(description)
    if offer.languages:
        names = tuple(language_in(code, language) for code in sorted(offer.languages))
        parts.append(Msg(OFFERED_IN, args={"languages": names}))
    return tuple(parts)


def offer_screens(
    flow: Flow,
    language: str,
    seeker: Seeker,
    ranked: Mapping[str, tuple[Offer, ...]],
    *,
    city: str,
    field_names: Mapping[str, str],
) -> tuple[Screen, ...]:
    """The suggestions as messages: an introduction, then one message per field; a friendly
    sentence instead when the person has no need or no offer fits."""
    if not seeker.needs:
        return (Screen((Msg(NO_SUGGESTIONS["no_needs"]),)),)
    if not ranked:
        return (Screen((Msg(NO_SUGGESTIONS["no_offers"]),)),)
    screens = [Screen((Msg(INTRO, args={"city": city}),))]
    for field, offers in ranked.items():
        title = field_title(flow, field, field_names.get(field, field))
        parts: list[Msg | str] = [Msg(FIELD_HEADING, args={"field": title})]
        for offer in offers:
            parts.extend(offer_parts(offer, language))
        screens.append(Screen(tuple(parts)))
    screens.append(Screen((Msg(AGAIN),)))
    return tuple(screens)


class Suggesting(Answering):
    """The offers part of the conversation: shown at the finish and on /offers."""

    offers: OfferSource | None

    async def active_offers(self) -> tuple[Offer, ...]:
        """Read before a transaction of the conversation opens: the directory has its own."""
        return await self.offers.active_offers() if self.offers is not None else ()

    def suggestions(
        self, language: str, answers: Answers, offers: tuple[Offer, ...], quiet: bool = False
    ) -> tuple[Screen, ...]:
        """The suggestions for these answers; `quiet`: nothing rather than a sentence that
        there is nothing to suggest (at the finish, which says enough)."""
        seeker = seeker_of(self.flow, answers)
        ranked = suggest(offers, seeker, self.settings)
        if quiet and not ranked:
            return ()
        return offer_screens(
            self.flow,
            language,
            seeker,
            ranked,
            city=self.settings.city,
            field_names={f.id: f.name for f in self.settings.fields},
        )
