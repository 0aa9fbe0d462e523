"""A flow with a repeat group in Telegram: each round's questions under its heading, "add
another?" with Ja / Nein, and every round's answers stored under their keys."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.flows.loader import load_flow
from bot.flows.steps import Step
from storage.models import Answer
from tests.fixtures.bot import Respondent as Walker
from tests.fixtures.bot import answer_steps, e2e_settings, running_bot

ROOT = Path(__file__).resolve().parents[2]
ROUNDS = [("Deutschcafé", "free"), ("Nachhilfe", "fee")]


def value_of(step: Step) -> Any:
    if step.another:
        return "yes" if step.round < len(ROUNDS) else "no"
    name, costs = ROUNDS[step.round - 1] if step.round else ("", "")
    return {
        "district": "spich",
        "offer_name": name,
        "costs": costs,
        "fee": "20",
        "accessible": None,
        "remarks": None,
    }[step.question.id]


async def test_a_repeat_group_is_asked_round_by_round_in_telegram(
    fake_telegram, database_url, sessions, tmp_path, monkeypatch
):
    shutil.copy(ROOT / "tests" / "data" / "repeat_flow.yaml", tmp_path / "survey.yaml")
    monkeypatch.setenv("KIM_FLOWS_DIR", str(tmp_path))
    settings = e2e_settings(fake_telegram, database_url, flow="survey")
    flow = load_flow(tmp_path / "survey.yaml", settings.districts, settings.field_ids)
    async with running_bot(fake_telegram, database_url, flow="survey"):
        walker = Walker(fake_telegram, fake_telegram.person("Olga", "de"), flow, "de")
        await walker.start()
        headings = await answer_steps(fake_telegram, walker.person, flow, value_of)
        another = next(m for m in walker.person.messages if flow.repeats[0].another in m.text)
        await walker.submit()
    assert headings == ["Angebot 1"] * 3 + ["Angebot 2"] * 4  # the fee is asked in round 2
    assert "✓ Ja" in another.text  # answered with the yes button, which then went
    async with sessions() as session:
        stored = dict((await session.execute(select(Answer.question_id, Answer.code))).all())
    assert stored["offers.1.offer_name"] == "Deutschcafé" and stored["offers.1"] == "yes"
    assert stored["offers.2.offer_name"] == "Nachhilfe" and stored["offers.2.fee"] == "20"
    assert stored["offers.2"] == "no" and "offers.1.fee" not in stored
