"""`kim-intake chat --flow` with a repeat group: someone enters two offers, goes back across the
round boundary, removes the second offer from the summary and sends the rest."""

from __future__ import annotations

import sys

from tests.cli.test_terminal import start_chat
from tests.fixtures.bot import ROOT

FLOW = ROOT / "tests" / "data" / "repeat_flow.yaml"
ANOTHER = "Möchten Sie noch ein Angebot eintragen?"
NAME = "Wie heißt das Angebot?"


async def test_the_terminal_chat_asks_round_by_round_and_whether_to_add_another(tmp_path):
    command = (sys.executable, "-m", "bot", "chat", "--lang", "de", "--flow", str(FLOW))
    terminal = await start_chat(tmp_path, *command)
    await terminal.press("Deutsch")
    await terminal.press("✅ Ich bin einverstanden")
    await terminal.press("Altenrath")
    assert "Angebot 1" in terminal.screen and NAME in terminal.screen
    await terminal.type("Deutschcafé")
    await terminal.press("Es ist kostenlos.")
    screen = await terminal.press("Ja")  # barrierefrei
    assert ANOTHER in screen and "Angebot 1" not in screen
    for label in ("Ja", "Nein", "⬅️ Zurück"):
        terminal.key(label)  # the "add another?" step has its buttons

    screen = await terminal.press("Ja")
    assert "Angebot 2" in screen and NAME in screen
    screen = await terminal.press("⬅️ Zurück")  # from the first question of round 2
    assert ANOTHER in screen and "✓ Ja" in screen
    await terminal.press("Ja")
    await terminal.type("Nähkurs")
    screen = await terminal.press("Es kostet etwas.")
    assert "Angebot 2" in screen and "Wie viel Euro kostet es im Monat?" in screen
    await terminal.type("12")
    await terminal.press("Weiß ich nicht")
    assert ANOTHER in terminal.screen
    await terminal.press("Nein")
    summary = await terminal.press("Möchte ich nicht sagen")

    assert "Hier sind Ihre Antworten" in summary
    assert summary.index("Angebot 1") < summary.index("Deutschcafé") < summary.index("Angebot 2")
    assert summary.index("Angebot 2") < summary.index("Nähkurs") < summary.index("12")
    await terminal.press("✏️ Eine Antwort ändern")
    screen = await terminal.press("5")  # "add another?" after the first offer
    assert ANOTHER in screen
    summary = await terminal.press("Nein")
    assert "Deutschcafé" in summary
    assert "Nähkurs" not in summary and "Angebot 2" not in summary

    screen = await terminal.press("✅ Antworten abschicken")
    assert "Danke! Ihre Antworten sind gespeichert." in screen
    terminal.process.stdin.write(b"/quit\n")
    out, err, status = await terminal.read_to_the_end()
    assert (status, err) == (0, "")
    assert "Auf Wiedersehen!" in out
