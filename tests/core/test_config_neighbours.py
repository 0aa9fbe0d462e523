"""Neighbouring districts in config.yaml: known ids, both ways, and Troisdorf's filled in."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings

ROOT = Path(__file__).resolve().parents[2]


def load(tmp_path: Path, districts: str):
    path = tmp_path / "config.yaml"
    path.write_text(f"city: X\ndistricts:\n{districts}", encoding="utf-8")
    return load_settings(path)


def test_naming_a_neighbour_once_makes_them_neighbours_both_ways(tmp_path):
    settings = load(
        tmp_path,
        "  - {id: a, name: A, neighbours: [b]}\n  - {id: b, name: B}\n  - {id: c, name: C}\n",
    )
    assert settings.neighbours == {"a": {"b"}, "b": {"a"}, "c": frozenset()}


@pytest.mark.parametrize(
    ("districts", "problem"),
    [
        ("  - {id: a, name: A, neighbours: [zz]}\n", "unknown neighbour(s) ['zz']"),
        ("  - {id: a, name: A, neighbours: [a]}\n", "district a names itself"),
    ],
)
def test_a_neighbour_must_be_another_known_district(tmp_path, districts, problem):
    with pytest.raises(ConfigError) as raised:
        load(tmp_path, districts)
    assert problem in "\n".join(raised.value.problems)


def test_every_district_of_troisdorf_has_neighbours_and_the_west_hangs_together():
    near = load_settings(ROOT / "config.yaml").neighbours
    assert len(near) == 12 and all(near.values())
    assert {"eschmar", "kriegsdorf", "muellekoven", "oberlar"} <= near["sieglar"]
    assert "bergheim" in near["muellekoven"] and "spich" in near["altenrath"]
    assert {"oberlar", "west", "fwh", "rotter_see", "spich", "altenrath"} <= near["mitte"]
    assert "sieglar" not in near["altenrath"]
    assert all(district in near[other] for district, ids in near.items() for other in ids)
