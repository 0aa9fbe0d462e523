"""The flow extractor finds the texts of a repeat group: its label, "add another?" and its
questions, each with its own context."""

from __future__ import annotations

from pathlib import Path

from bot.flows.extract import extract_flow

FLOW = Path(__file__).parents[1] / "data" / "repeat_flow.yaml"


def test_the_extractor_yields_the_texts_of_a_repeat_group():
    with FLOW.open("rb") as flow:
        found = {(context, text) for _, _, (context, text), _ in extract_flow(flow, [], [], {})}
    assert {
        ("survey:offers:label", "Angebot {number}"),
        ("survey:offers", "Möchten Sie noch ein Angebot eintragen?"),
        ("survey:offer_name", "Wie heißt das Angebot?"),
        ("survey:costs:choice:fee", "Es kostet etwas."),
        ("survey:accessible", "Ist der Ort barrierefrei?"),
        ("survey:remarks", "Möchten Sie uns noch etwas sagen?"),
    } <= found
    assert ("survey:accessible:choice:yes", "Ja") not in found
