"""No status is compared as a raw string: bot/ and storage/ compare interview, case, delivery and
broadcast statuses and notice states with the StrEnums of storage/types.py, so a misspelt status
cannot slip in."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from storage.types import (
    BroadcastStatus,
    CaseStatus,
    DeliveryStatus,
    InterviewStatus,
    NoticeState,
)

ROOT = Path(__file__).resolve().parents[2]
STATUS_VALUES = frozenset(
    member.value
    for enum in (InterviewStatus, CaseStatus, DeliveryStatus, BroadcastStatus, NoticeState)
    for member in enum
)
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def names_a_status(node: ast.expr) -> bool:
    """`status`, `case.status`, `member.interview_status`, `row["status"]`, `Case.status`,
    `case.notice_state`."""
    if isinstance(node, ast.Name):
        return _is_status(node.id)
    if isinstance(node, ast.Attribute):
        return _is_status(node.attr)
    if isinstance(node, ast.Subscript):
        key = node.slice
        return isinstance(key, ast.Constant) and _is_status(str(key.value))
    return False


def _is_status(name: str) -> bool:
    return "status" in name or name.endswith("notice_state")


def status_literals(node: ast.expr) -> Iterator[str]:
    """The string literals in `node` (alone or in a tuple, list or set) that are statuses."""
    if isinstance(node, ast.Constant) and node.value in STATUS_VALUES:
        yield node.value
    elif isinstance(node, ast.Tuple | ast.List | ast.Set):
        for element in node.elts:
            yield from status_literals(element)


def compares_a_status(node: ast.Compare) -> bool:
    sides = [node.left, *node.comparators]
    return (
        any(isinstance(op, COMPARISONS) for op in node.ops)
        and any(map(names_a_status, sides))
        and any(any(status_literals(side)) for side in sides)
    )


def selects_a_status(node: ast.Call) -> bool:
    """`Case.status.in_(("new", "claimed"))` and its `not_in`."""
    return (
        isinstance(node.func, ast.Attribute)
        and node.func.attr in ("in_", "not_in", "notin_")
        and names_a_status(node.func.value)
        and any(any(status_literals(argument)) for argument in node.args)
    )


def defaults_a_status(node: ast.AnnAssign) -> bool:
    """`status: str = Field(default="new")` in a model, or `status: str = "new"`."""
    if not names_a_status(node.target) or node.value is None:
        return False
    if isinstance(node.value, ast.Call):
        defaults = [k.value for k in node.value.keywords if k.arg == "default"]
        return any(any(status_literals(default)) for default in defaults)
    return any(status_literals(node.value))


def raw_status_comparisons(source: str) -> list[str]:
    """Each comparison of a status with a string literal, as `line: code`.

    Caught: `==`, `!=`, `in` and `not in` in Python and in SQLAlchemy expressions, the
    `.in_()` and `.not_in()` of a column, `case "…":` of a `match` on a status, and a
    status column's default.
    """
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if (
            (isinstance(node, ast.Compare) and compares_a_status(node))
            or (isinstance(node, ast.Call) and selects_a_status(node))
            or (isinstance(node, ast.AnnAssign) and defaults_a_status(node))
        ):
            found.append((node.lineno, ast.unparse(node)))
        elif isinstance(node, ast.Match) and names_a_status(node.subject):
            for case in node.cases:
                for pattern in ast.walk(case.pattern):
                    if isinstance(pattern, ast.MatchValue) and any(status_literals(pattern.value)):
                        found.append((pattern.lineno, f"case {ast.unparse(pattern)}"))
    return [f"{line}: {code}" for line, code in sorted(found)]


def sources() -> list[Path]:
    found = [*(ROOT / "bot").rglob("*.py"), *(ROOT / "storage").rglob("*.py")]
    return sorted(p for p in found if "migrations" not in p.relative_to(ROOT).parts)


def test_no_status_in_bot_or_storage_is_compared_as_a_raw_string():
    raw = {
        module: comparisons
        for path in sources()
        if (module := str(path.relative_to(ROOT)))
        if (comparisons := raw_status_comparisons(path.read_text(encoding="utf-8")))
    }
    assert raw == {}


def test_the_check_finds_each_shape_of_raw_status_comparison_and_passes_the_enums():
    raw = """
if interview.status == "finished": pass
if "sent" != delivery.status: pass
if member.interview_status in ("in_progress", "abandoned"): pass
query.where(Broadcast.status.in_(["scheduled", "sending"]))
if row["status"] not in {"claimed"}: pass
match case.status:
    case "closed": pass
status: str = Field(default="in_progress", max_length=16)
if case.notice_state == "pending": pass
"""
    kept = """
if interview.status == InterviewStatus.finished: pass
if delivery.status in (DeliveryStatus.SENT, DeliveryStatus.FAILED): pass
if case.notice_state == NoticeState.NEW: pass
if step == "done": pass
status: str = Field(default=CaseStatus.new, max_length=8)
"""
    assert [line.split(":")[0] for line in raw_status_comparisons(raw)] == [
        "2", "3", "4", "5", "6", "8", "9", "10",
    ]  # fmt: skip
    assert raw_status_comparisons(kept) == []
