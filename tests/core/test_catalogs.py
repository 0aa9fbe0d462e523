"""The catalogs: extraction from code and flows, update, compile and the catalog check."""

from __future__ import annotations

import gettext
import shutil
from pathlib import Path

import babel.messages.catalog
import pytest
from babel.messages.catalog import Catalog

from bot.cli.i18n import catalog_languages
from bot.core.catalogs import (
    GENERATED_BY,
    MAPPING_FILE,
    ROOT,
    catalog_path,
    check_catalogs,
    compile_catalogs,
    extract,
    extract_template,
    read_catalog,
    render,
    template_is_current,
    update,
)
from bot.core.i18n import LOCALES_DIR, Translator, load_translations
from bot.flows.extract import extract_flow

FLOW = Path(__file__).parents[1] / "data" / "conversation_flow.yaml"


@pytest.fixture
def locales(tmp_path: Path) -> Path:
    """A copy of the template and the German and English catalogs, to change freely."""
    copy = tmp_path / "locales"
    copy.mkdir()
    shutil.copy(LOCALES_DIR / "messages.pot", copy)
    for language in ("de", "en"):
        shutil.copytree(
            LOCALES_DIR / language, copy / language, ignore=shutil.ignore_patterns("*.mo")
        )
    return copy


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    """A small project: babel.cfg, a module with marked texts and a flow."""
    root = tmp_path / "project"
    (root / "bot" / "flows").mkdir(parents=True)
    shutil.copy(MAPPING_FILE, root / "babel.cfg")
    shutil.copy(FLOW, root / "bot" / "flows" / "mini.yaml")
    (root / "bot" / "texts.py").write_text(
        "from bot.core.i18n import N_, Msg\n"
        'HELLO = N_("Guten Tag, {name}!")\n'
        'STAFF = "Neuer Fall"  # staff-facing, not marked\n'
        'def label(tr):\n    return tr.pgettext("menu", "Öffnen")\n',
        encoding="utf-8",
    )
    return root


def entries(catalog: Catalog) -> dict[tuple[str | None, str], list[str]]:
    return {(m.context, m.id): [path for path, _ in m.locations] for m in catalog if m.id}


# --- Extraction ---------------------------------------------------------------------------------


def test_flow_extractor_yields_every_respondent_text_with_its_context():
    with FLOW.open("rb") as flow:
        found = {(context, text) for _, _, (context, text), _ in extract_flow(flow, [], [], {})}
    assert found == {
        ("mini:title", "Kurzer Fragebogen"),
        ("mini:section:general", "Allgemein"),
        ("mini:section:housing", "Wohnen"),
        ("mini:district", "In welchem Stadtteil wohnen Sie?"),
        ("mini:children", "Wie viele Kinder leben bei Ihnen?"),
        ("mini:school", "Geht ein Kind zur Schule?"),
        ("mini:housing_problems", "Welche Probleme haben Sie mit der Wohnung?"),
        ("mini:housing_problems:choice:small", "Zu klein"),
        ("mini:housing_problems:choice:notice", "Kündigung"),
        ("mini:housing_problems:choice:none", "Keine"),
        (
            "mini:housing_problems:flag:urgent_housing_loss",
            "Bitte werfen Sie Briefe vom Vermieter oder vom Gericht nicht weg.",
        ),
        ("mini:income", "Wovon leben Sie?"),
        ("mini:income:choice:job", "Arbeit"),
        ("mini:income:choice:benefits", "Bürgergeld"),
        ("mini:remarks", "Möchten Sie noch etwas sagen?"),
    }


def test_flow_extractor_gives_lines_and_a_note_for_translators():
    with FLOW.open("rb") as flow:
        found = {
            context: (line, notes)
            for line, _, (context, _), notes in extract_flow(flow, [], [], {})
        }
    assert found["mini:income:choice:job"] == (
        44,
        ["Answer button for: Wovon leben Sie?"],
    )
    assert found["mini:title"][0] == 4


def test_flow_extractor_skips_flag_reasons_yes_no_and_district_choices(tmp_path):
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        "id: f\nversion: 1\ntitle: Titel\nsections:\n"
        "  - id: s\n    title: Teil\n    questions:\n"
        "      - id: ok\n        type: yes_no\n        text: Alles gut?\n"
        "        choices: [{id: yes, text: Ja}, {id: no, text: Nein}]\n"
        "        flags:\n"
        "          - {id: r, when: {answer: ok, in: [no]}, priority: high, field: health,"
        " reason: Braucht Hilfe}\n"
        "      - id: where\n        type: district\n        text: Wo?\n"
        "        choices: [{id: spich, text: Spich}]\n"
        "      - id: age\n        type: number\n        text: Alter?\n        help: 123\n",
        encoding="utf-8",
    )
    with flow.open("rb") as fileobj:
        texts = [text for _, _, (_, text), _ in extract_flow(fileobj, [], [], {})]
    assert texts == ["Titel", "Teil", "Alles gut?", "Wo?", "Alter?"]


def test_extraction_finds_code_and_flow_texts_through_babel_cfg(source_tree):
    found = entries(extract_template(source_tree))
    assert found[(None, "Guten Tag, {name}!")] == ["bot/texts.py"]
    assert found[("menu", "Öffnen")] == ["bot/texts.py"]
    assert found[("mini:income:choice:benefits", "Bürgergeld")] == ["bot/flows/mini.yaml"]
    assert (None, "Neuer Fall") not in found


def test_checked_in_template_equals_a_fresh_extraction():
    assert template_is_current(), "run `kim-intake i18n extract` and `kim-intake i18n update`"


def test_template_holds_the_code_texts():
    found = entries(extract_template(ROOT))
    assert "bot/intake/texts.py" in found[(None, "Bitte wählen Sie Ihre Sprache.")]
    assert "bot/intake/screens.py" in found[(None, "{section} · Frage {number} von etwa {total}")]
    assert (None, "Ja") in found and (None, "Nein") in found


def test_extract_leaves_an_unchanged_template_untouched(locales):
    before = (locales / "messages.pot").read_bytes()
    _, written = extract(locales)
    assert not written
    assert (locales / "messages.pot").read_bytes() == before


def test_extract_writes_a_template_that_no_longer_matches(locales):
    (locales / "messages.pot").write_bytes(render(Catalog()))
    assert check_catalogs([], locales)[0].kind == "stale_template"
    _, written = extract(locales)
    assert written
    assert check_catalogs([], locales) == []


# --- Update and compile -------------------------------------------------------------------------


def test_update_creates_a_missing_language_and_then_changes_nothing(locales):
    assert update(["de", "en", "uk"], locales) == {
        "de": "unchanged",
        "en": "unchanged",
        "uk": "created",
    }
    created = catalog_path("uk", locales).read_text(encoding="utf-8")
    assert "# Needs review by a native speaker: yes" in created
    assert 'msgid "Bitte wählen Sie Ihre Sprache."' in created
    problems = check_catalogs(["uk"], locales, check_template=False)
    assert problems and {p.kind for p in problems} == {"missing"}
    assert update(["uk"], locales) == {"uk": "unchanged"}


def test_another_babel_version_changes_no_catalog_and_writes_none_into_them(
    locales, source_tree, monkeypatch
):
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "99.1.2")
    assert update(["de", "en", "uk"], locales) == {
        "de": "unchanged",
        "en": "unchanged",
        "uk": "created",
    }
    written = [
        catalog_path("uk", locales).read_bytes(),
        render(extract_template(source_tree)),
        render(read_catalog(locales / "messages.pot")),
    ]
    for content in written:
        assert b"99.1.2" not in content
        assert f'"Generated-By: {GENERATED_BY}\\n"'.encode() in content
    monkeypatch.setattr(babel.messages.catalog, "VERSION", "2.18.0")
    assert update(["de", "en", "uk"], locales) == dict.fromkeys(["de", "en", "uk"], "unchanged")


def test_shipped_catalogs_are_written_as_the_tools_write_them():
    for path in [LOCALES_DIR / "messages.pot", *LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")]:
        assert render(read_catalog(path)) == path.read_bytes(), path


def test_update_keeps_translations_and_marks_changed_texts_fuzzy(locales):
    pot = locales / "messages.pot"
    template = read_catalog(pot)
    old = template.get("Bitte wählen Sie Ihre Sprache.")
    template.delete(old.id)
    template.add("Bitte wählen Sie jetzt Ihre Sprache.", locations=old.locations)
    pot.write_bytes(render(template))
    update(["en"], locales)
    catalog = read_catalog(catalog_path("en", locales))
    changed = catalog.get("Bitte wählen Sie jetzt Ihre Sprache.")
    assert changed.fuzzy and changed.string == "Please choose your language."
    assert catalog.get("Hilfe").string == "Help"
    kinds = {p.kind for p in check_catalogs(["en"], locales, check_template=False)}
    assert kinds == {"fuzzy"}


def test_compiled_catalogs_can_be_read_by_gettext(locales):
    written = compile_catalogs(locales)
    assert {path.parent.parent.name for path in written} == {"de", "en"}
    with (locales / "en" / "LC_MESSAGES" / "messages.mo").open("rb") as mo:
        assert gettext.GNUTranslations(mo).gettext("Hilfe") == "Help"


def test_bot_compiles_the_po_in_memory_without_mo_files(locales):
    assert not list(locales.glob("*/LC_MESSAGES/*.mo"))
    assert Translator("en", load_translations("en", locales))("Hilfe") == "Help"


# --- Check --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", catalog_languages())
def test_shipped_catalogs_have_no_problems(language):
    problems = check_catalogs([language])
    assert [str(p) for p in problems] == []


def set_translation(locales: Path, language: str, msgid: str, text: str, fuzzy=False) -> None:
    path = catalog_path(language, locales)
    catalog = read_catalog(path)
    message = catalog.get(msgid)
    message.string = text
    if fuzzy:
        message.flags.add("fuzzy")
    path.write_bytes(render(catalog))


def test_lost_placeholder_is_found(locales):
    set_translation(locales, "en", "Die Sprache ist jetzt: {language}.", "The language changed.")
    problems = check_catalogs(["en"], locales, check_template=False)
    assert [(p.language, p.kind, p.severity) for p in problems] == [("en", "placeholder", "error")]
    assert "lost {language}" in str(problems[0])
    assert str(problems[0]).startswith("en/LC_MESSAGES/messages.po: ")


def test_added_placeholder_and_unbalanced_brace_are_found(locales):
    set_translation(locales, "en", "Hilfe", "Help {topic}")
    set_translation(locales, "en", "Datenschutz", "Data {protection")
    problems = check_catalogs(["en"], locales, check_template=False)
    assert [p.kind for p in problems] == ["placeholder", "placeholder"]
    assert "added {topic}" in " ".join(str(p) for p in problems)
    assert "unbalanced" in " ".join(str(p) for p in problems)


def test_missing_and_fuzzy_translations_are_found(locales):
    set_translation(locales, "en", "Hilfe", "")
    set_translation(locales, "en", "Datenschutz", "Data protection", fuzzy=True)
    problems = check_catalogs(["en"], locales, check_template=False)
    assert sorted((p.kind, p.message.split(" ")[0]) for p in problems) == [
        ("fuzzy", "'Datenschutz'"),
        ("missing", "'Hilfe'"),
    ]


def test_german_may_leave_translations_empty_but_not_miss_messages(locales):
    set_translation(locales, "de", "Hilfe", "")
    assert check_catalogs(["de"], locales, check_template=False) == []
    path = catalog_path("de", locales)
    catalog = read_catalog(path)
    catalog.delete("Hilfe")
    path.write_bytes(render(catalog))
    problems = check_catalogs(["de"], locales, check_template=False)
    assert [(p.kind, p.language) for p in problems] == [("missing", "de")]


def test_messages_no_longer_in_the_template_are_obsolete_warnings(locales):
    path = catalog_path("en", locales)
    catalog = read_catalog(path)
    catalog.add("Ein alter Text", "An old text")
    path.write_bytes(render(catalog))
    problems = check_catalogs(["en"], locales, check_template=False)
    assert [(p.kind, p.severity) for p in problems] == [("obsolete", "warning")]
    update(["en"], locales)
    problems = check_catalogs(["en"], locales, check_template=False)
    assert [(p.kind, p.severity) for p in problems] == [("obsolete", "warning")]
    assert "#~" in str(problems[0])


def test_enabled_language_without_catalog_is_reported(locales):
    problems = check_catalogs(["de", "ar"], locales, check_template=False)
    assert [(p.language, p.kind) for p in problems] == [("ar", "missing_catalog")]


def small_catalogs(tmp_path: Path, language: str, translations: dict[str, str]) -> Path:
    """A template and one language's catalog in tmp_path, each message translated as given."""
    locales = tmp_path / "locales"
    template = Catalog(domain="messages")
    catalog = Catalog(locale=language, domain="messages")
    for msgid, text in translations.items():
        template.add(msgid)
        catalog.add(msgid, text, flags=["python-brace-format"] if "{" in msgid else [])
    (locales / language / "LC_MESSAGES").mkdir(parents=True)
    (locales / "messages.pot").write_bytes(render(template))
    catalog_path(language, locales).write_bytes(render(catalog))
    return locales


LRI, PDI = "\u2066", "\u2069"
HOTLINE = "Das Hilfetelefon hilft: 116 016. Frage {number} von {total}."


def test_a_bare_number_in_right_to_left_text_is_an_error_naming_the_message(tmp_path):
    locales = small_catalogs(
        tmp_path,
        "ckb",
        {
            HOTLINE: "هێڵی یارمەتی یارمەتی دەدات: 116 016. پرسیاری {number} لە {total}.",
            "Rufen Sie 110 an.": f"پەیوەندی بە {LRI}110{PDI} بکەن.",
        },
    )
    problems = check_catalogs(["ckb"], locales, check_template=False)
    assert [(p.language, p.kind, p.severity) for p in problems] == [("ckb", "bare_number", "error")]
    assert "'Das Hilfetelefon hilft: 116 016." in str(problems[0])
    assert "'116 016'" in str(problems[0])


@pytest.mark.parametrize(
    "text",
    [
        "هێڵی یارمەتی 116 016",
        f"هێڵی یارمەتی {LRI}116{PDI} 016",
        # each half in an isolate of its own: right to left they read "016 116"
        f"هێڵی یارمەتی {LRI}116{PDI} {LRI}016{PDI}",
    ],
)
def test_a_number_not_isolated_whole_is_flagged(tmp_path, text):
    locales = small_catalogs(tmp_path, "ar", {"Hilfetelefon 116 016": text})
    problems = check_catalogs(["ar"], locales, check_template=False)
    assert [p.kind for p in problems] == ["bare_number"]
    assert "'116 016'" in str(problems[0])


def test_isolated_numbers_and_placeholders_in_right_to_left_text_are_clean(tmp_path):
    locales = small_catalogs(
        tmp_path,
        "ckb",
        {HOTLINE: f"هێڵی یارمەتی: {LRI}116 016{PDI}. پرسیاری {{number}} لە {{total}}."},
    )
    assert check_catalogs(["ckb"], locales, check_template=False) == []


def test_numbers_in_left_to_right_text_need_no_isolate(tmp_path):
    locales = small_catalogs(tmp_path, "pl", {HOTLINE: "Telefon pomocy: 116 016. {number}/{total}"})
    assert check_catalogs(["pl"], locales, check_template=False) == []
