"""People of every kind use the real bot in random interleavings; every update is answered.

A hypothesis state machine drives the real application over the fake Bot API server: three
respondents (each may be a stranger, have declined, be half-way, finished or erased), a
caseworker and a coordinator send every command, press the current buttons, old ones and
forged ones, type valid and invalid answers, huge, blank, right-to-left and emoji text, send
stickers, photos and files, and block the bot; alone, several at the same moment, or one person
twice at once. After every step: each update was handled and answered within a few seconds
(see `Pushed.answered` for what counts per kind), nothing was logged as an error, and the fake
server saw no request the real Bot API would refuse.

One application serves every example of a run; each example has people of its own. More
examples: KIM_STATE_MACHINE_EXAMPLES=200 (and KIM_STATE_MACHINE_STEPS).
"""

from __future__ import annotations

import os
import re
from typing import Any

from hypothesis import HealthCheck, event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select

from bot.telegram.callbacks import pack
from bot.ui.model import Confirm, Consent, PickLanguage
from storage import interviews
from storage.casework import Case
from storage.models import Respondent
from tests.casework.test_casework_e2e import homeless_with_phone
from tests.fakebot import Person
from tests.fakebot.server import SentMessage
from tests.state_machine.moves import (
    BROADCAST_TEXTS,
    COMMANDS,
    FORGED,
    TEXTS,
    UNSUPPORTED,
    datas,
    next_moves,
    wrong_ids,
)
from tests.state_machine.stage import Stage

EXAMPLES = int(os.environ.get("KIM_STATE_MACHINE_EXAMPLES", "10"))
STEPS = int(os.environ.get("KIM_STATE_MACHINE_STEPS", "25"))
# Every run walks the same examples (a failure comes back when run again), against a real bot
# whose steps take their time: no example database, no deadline.
REPRODUCIBLE = settings(derandomize=True, database=None, deadline=None)
RUNS = settings(
    REPRODUCIBLE,
    max_examples=EXAMPLES,
    stateful_step_count=STEPS,
    suppress_health_check=[HealthCheck.too_slow],
)
# Every example has a coordinator of its own: ids enough for any run, shrinking included.
COORDINATORS = list(range(880_001, 890_001))
RESPONDENTS = (("أمينة", "ar"), ("Олена", "uk"), ("Zoë 🌻", None))
CASEWORKER, COORDINATOR = 3, 4
PEOPLE = st.integers(0, COORDINATOR)
INDEX = st.integers(0, 10_000)

_coordinators = iter(COORDINATORS)

# What the group reads: the case number in the bot's German texts about it.
CASE_NUMBER = re.compile(r"Fall #(\d+)")


class People(RuleBasedStateMachine):
    stage: Stage  # set by the test: one running application for every example

    def __init__(self) -> None:
        super().__init__()
        stage = self.stage
        if stage.dirty:  # the last example found a fault: start clean
            stage.restart()
            stage.dirty = False
        self.people: list[Person] = [stage.person(name, code) for name, code in RESPONDENTS]
        self.people.append(stage.person("Carla", "de"))
        coordinator = next(_coordinators)
        self.people.append(stage.person("Kai", "de", user_id=coordinator))
        self.nothing_stored = ["stranger"] * len(self.people)  # why, while nothing is stored
        self.blocked: set[int] = set()
        self.finished_once = False  # the whole questionnaire is long: answered once an example
        self.seen: dict[int, dict[tuple[int, str], None]] = {}  # chat → (message, data) shown

    # --- driving ----------------------------------------------------------------------------

    def _guarded(self, work):
        try:
            return work()
        except BaseException as error:
            self.stage.failed(error)
            raise

    def step(self, *sends) -> None:
        self._guarded(lambda: self.stage.step(*sends))
        self._remember()

    def read(self, query):
        return self._guarded(lambda: self.stage.run(self.stage.read(query)))

    def _remember(self) -> None:
        assert self.stage.group is not None
        chats = [(p.chat_id, p.messages) for p in self.people]
        for chat_id, messages in [*chats, (self.stage.group.chat_id, self.notices())]:
            shown = self.seen.setdefault(chat_id, {})
            for message in messages:
                for data in datas(message):
                    shown[(message.message_id, data)] = None

    def notices(self) -> list[SentMessage]:
        """The team group's messages about this example's cases (earlier examples' stay put)."""
        assert self.stage.group is not None
        ours = {str(number) for number in self.cases()}
        return [
            m
            for m in self.stage.group.messages
            if (found := CASE_NUMBER.search(m.text or "")) and found.group(1) in ours
        ]

    def unblocked(self, who: int, chat_id: int | None = None) -> Person:
        """A blocked person who does something in the private chat has unblocked the bot first
        (Telegram asks them to); in a group they act as they like."""
        person = self.people[who]
        if who in self.blocked and (chat_id is None or chat_id > 0):
            self.blocked.discard(who)
            self.step(person.unblock_bot)
        return person

    def state_of(self, who: int) -> str:
        if who == CASEWORKER:
            return "caseworker"
        if who == COORDINATOR:
            return "coordinator"
        found = self.stored(who)
        if found is None:
            return self.nothing_stored[who]
        _, interview = found
        return (
            "finished" if interview is not None and interview.status == "finished" else "half-way"
        )

    def stored(self, who: int):
        user_id = str(self.people[who].user_id)
        return self.read(lambda s: interviews.respondent_with_interview(s, "telegram", user_id))

    def note(self, who: int, action: str) -> None:
        what = f"{self.state_of(who)}: {action}"
        self.stage.seen[what] += 1
        event(what)

    def press(self, who: int, data: str, message_id: int | None = None, chat_id=None) -> None:
        person = self.unblocked(who, chat_id)
        if data.startswith("c:") and data.endswith(":0"):
            self.nothing_stored[who] = "declined"
        if data == pack(Confirm("delete", True)) and self.stored(who) is not None:
            self.nothing_stored[who] = "erased"
        self.step(lambda: person.tap_data(data, message_id, chat_id))

    def press_offered(self, who: int, data: str) -> bool:
        """Press the newest button with this data in the person's chat, as a finger would."""
        for message in reversed(self.people[who].messages):
            if data in datas(message):
                self.press(who, data, message.message_id)
                return True
        return False

    def send(self, who: int, text: str, chat_id: int | None = None) -> None:
        person = self.unblocked(who, chat_id)
        self.step(lambda: person.send(text, chat_id))

    # --- setting the scene ------------------------------------------------------------------

    @initialize()
    def staff_arrive(self) -> None:
        stage = self.stage
        assert stage.app is not None
        code = stage.run(stage.app.dispatcher["staff"].invite("caseworker", "kim", 72))
        self.send(CASEWORKER, f"/register {code}")

    # --- everyone ---------------------------------------------------------------------------

    @rule(who=PEOPLE, command=st.sampled_from(COMMANDS))
    def sends_a_command(self, who: int, command: str) -> None:
        self.note(who, command.split()[0])
        self.send(who, command)

    @rule(who=PEOPLE, kind=st.sampled_from(("valid", *TEXTS)), index=INDEX)
    def types(self, who: int, kind: str, index: int) -> None:
        self.note(who, f"types {kind}")
        self.send(who, self.text_for(who, kind, index))

    def text_for(self, who: int, kind: str, index: int) -> str:
        if kind != "valid":
            return TEXTS[kind][index % len(TEXTS[kind])]
        if who == COORDINATOR:
            return BROADCAST_TEXTS[index % len(BROADCAST_TEXTS)]
        if who == CASEWORKER:
            return "Danke, ich melde mich morgen."
        found = self.stored(who)
        interview = found[1] if found else None
        if interview is None or interview.position is None:
            return "3"
        question = self.stage.app.flow.question(interview.position)
        answer = homeless_with_phone(question)
        return answer if isinstance(answer, str) and not question.has_choices else "3"

    @rule(who=PEOPLE, kind=st.sampled_from(UNSUPPORTED))
    def sends_something_else(self, who: int, kind: str) -> None:
        self.note(who, kind)
        person = self.unblocked(who)
        self.step(getattr(person, f"send_{kind}"))

    @rule(who=PEOPLE, index=INDEX)
    def replies_to_the_bot(self, who: int, index: int) -> None:
        """Telegram's reply function on one of the bot's messages (caseworkers relay so)."""
        person = self.unblocked(who)
        if not person.messages:
            return
        self.note(who, "replies to a message")
        message = person.messages[-1 - index % min(3, len(person.messages))]
        text = self.text_for(who, "valid", index)
        self.step(lambda: person.reply(text, message))

    @rule(who=PEOPLE, index=INDEX)
    def presses_a_current_button(self, who: int, index: int) -> None:
        keyboards = [m for m in self.people[who].messages if datas(m)]
        if not keyboards:
            return
        offered = [d for d in datas(keyboards[-1]) if not d.startswith("bc:now")]  # no sending
        if not offered:
            return
        self.note(who, "presses a current button")
        self.press(who, offered[index % len(offered)], keyboards[-1].message_id)

    @rule(who=PEOPLE, index=INDEX)
    def presses_an_old_button(self, who: int, index: int) -> None:
        person = self.people[who]
        keyboards = [m for m in person.messages if datas(m)]
        current = (
            {(keyboards[-1].message_id, d) for d in datas(keyboards[-1])} if keyboards else set()
        )
        old = [k for k in self.seen.get(person.chat_id, {}) if k not in current]
        old = [(m, d) for m, d in old if not d.startswith("bc:now")]
        if not old:
            return
        self.note(who, "presses an old button")
        message_id, data = old[index % len(old)]
        self.press(who, data, message_id)

    @rule(who=PEOPLE, index=INDEX)
    def presses_a_forged_button(self, who: int, index: int) -> None:
        keyboards = [m for m in self.people[who].messages if datas(m)]
        forged = list(FORGED) + [wrong_ids(d) for d in (datas(keyboards[-1]) if keyboards else [])]
        data = forged[index % len(forged)]
        self.note(who, "presses a forged button")
        self.press(who, data[:64])

    @rule(who=PEOPLE)
    def double_taps(self, who: int) -> None:
        """The same current button twice at once, as a hurried thumb does."""
        keyboards = [m for m in self.people[who].messages if datas(m)]
        offered = [d for d in datas(keyboards[-1]) if not d.startswith("bc:")] if keyboards else []
        if not offered:
            return
        self.note(who, "double-taps")
        person = self.unblocked(who)
        message_id = keyboards[-1].message_id
        self.step(*[lambda: person.tap_data(offered[0], message_id)] * 2)

    @rule(who=PEOPLE)
    def blocks_the_bot(self, who: int) -> None:
        if who in self.blocked:
            return
        self.note(who, "blocks the bot")
        self.blocked.add(who)
        self.step(self.people[who].block_bot)

    @rule(
        moves=st.lists(
            st.tuples(PEOPLE, st.sampled_from(COMMANDS)),
            min_size=2,
            max_size=4,
            unique_by=lambda move: move[0],
        )
    )
    def several_at_the_same_moment(self, moves: list[tuple[int, str]]) -> None:
        people = [(self.unblocked(who), command) for who, command in moves]
        for who, command in moves:
            self.note(who, f"{command.split()[0]} at the same moment")
        self.step(*[lambda p=person, c=command: p.send(c) for person, command in people])

    # --- respondents on their way -----------------------------------------------------------

    @rule(who=st.integers(0, 2), language=st.sampled_from(("de", "ar", "uk", "fa")))
    def consents(self, who: int, language: str) -> None:
        self.note(who, "consents")
        self.answer_consent(who, language, agree=True)

    @rule(who=st.integers(0, 2))
    def declines(self, who: int) -> None:
        if self.stored(who) is not None:
            return
        self.note(who, "declines")
        self.answer_consent(who, "de", agree=False)

    def answer_consent(self, who: int, language: str, agree: bool) -> None:
        self.send(who, "/start")
        if self.stored(who) is not None:
            return  # welcome back: already in
        assert self.press_offered(who, pack(PickLanguage(language))), "no language choice"
        assert self.press_offered(who, pack(Consent(language, agree))), "no consent question"

    @rule(who=st.integers(0, 2))
    def answers_the_current_question(self, who: int) -> None:
        """One step on: the (flagged) answer to the current question, or submitting at the end."""
        found = self.stored(who)
        if found is None or found[1] is None or found[1].status == "finished":
            return
        self.note(who, "answers")
        self.answer_one(who, found[1])

    @precondition(lambda self: not self.finished_once)
    @rule(who=st.integers(0, 2))
    def finishes_the_questionnaire(self, who: int) -> None:
        """Answers everything still open (flagged: a case opens) and submits."""
        self.finished_once = True
        self.note(who, "finishes")
        if self.stored(who) is None:
            self.answer_consent(who, "de", agree=True)
        for _ in range(len(self.stage.app.flow.questions) * 3):
            _, interview = self.stored(who)
            if interview is None or interview.status == "finished":
                return
            self.answer_one(who, interview)
        raise AssertionError("the questionnaire never ended")

    def answer_one(self, who: int, interview) -> None:
        for typed, move in next_moves(interview, self.stage.app.flow):
            if typed:
                self.send(who, move)
            elif not self.press_offered(who, move):
                self.send(who, "/start")  # scrolled away: the bot shows where one stands
                assert self.press_offered(who, move), f"the current step offers no {move}"

    @rule(who=st.integers(0, 2))
    def erases_everything(self, who: int) -> None:
        if self.stored(who) is None:
            self.answer_consent(who, "de", agree=True)
        self.note(who, "erases")
        self.send(who, "/delete")
        assert self.press_offered(who, pack(Confirm("delete", True))), "no confirmation asked"

    # --- the caseworker ---------------------------------------------------------------------

    def cases(self) -> list[int]:
        ids = [str(p.user_id) for p in self.people]
        query = (
            select(Case.id)
            .join(Respondent, Respondent.id == Case.respondent_id)
            .where(Respondent.channel_user_id.in_(ids))
        )
        return self.read(lambda s: _all(s, query))

    @rule(command=st.sampled_from(("/case", "/write", "/close")), index=INDEX)
    def caseworker_works_on_a_case(self, command: str, index: int) -> None:
        numbers = [*self.cases(), 99_999]
        number = numbers[index % len(numbers)]
        self.note(CASEWORKER, f"{command} N")
        text = " Guten Tag, hier ist Carla vom KIM." if command == "/write" else ""
        self.send(CASEWORKER, f"{command} {number}{text}")

    @rule(kind=st.sampled_from(("current", "current", "old", "forged")), index=INDEX)
    def caseworker_presses_in_the_team_group(self, kind: str, index: int) -> None:
        self.press_in_the_team_group(CASEWORKER, kind, index)

    @rule(who=PEOPLE, kind=st.sampled_from(("current", "old", "forged")), index=INDEX)
    def someone_presses_in_the_team_group(self, who: int, kind: str, index: int) -> None:
        self.press_in_the_team_group(who, kind, index)

    def press_in_the_team_group(self, who: int, kind: str, index: int) -> None:
        group = self.stage.group
        assert group is not None
        if kind == "forged":
            numbers = [*self.cases(), 99_999]
            number = numbers[index % len(numbers)]
            options = [
                f"w:claim:{number}:",
                f"w:outcome:{number}:bogus",
                f"w:zzz:{number}:",
                *FORGED,
            ]
            data, message_id = options[index % len(options)], None
        else:
            keyboards = [m for m in self.notices() if datas(m)]
            if kind == "current" and keyboards:
                options = [(keyboards[-1].message_id, d) for d in datas(keyboards[-1])]
            else:
                options = list(self.seen.get(group.chat_id, {}))
            if not options:
                return
            message_id, data = options[index % len(options)]
        self.note(who, f"presses a {kind} button in the team group")
        self.press(who, data, message_id, chat_id=group.chat_id)

    @rule(who=PEOPLE, text=st.sampled_from(("/cases", "/case 1", "Wer übernimmt?", "/start")))
    def writes_in_the_team_group(self, who: int, text: str) -> None:
        assert self.stage.group is not None
        self.note(who, "writes in the team group")
        self.send(who, text, chat_id=self.stage.group.chat_id)

    # --- after every step -------------------------------------------------------------------

    @invariant()
    def nothing_went_wrong(self) -> None:
        self._guarded(self.stage.check)


async def _all(session, query) -> list[Any]:
    return list((await session.execute(query)).scalars())


def test_people_of_every_kind_in_any_order_get_an_answer_to_every_update(new_database):
    languages = ["de", "ar", "uk", "fa"]
    stage = Stage(new_database, {"coordinators": COORDINATORS, "languages": languages})
    stage.open()
    try:
        machine = type("People", (People,), {"stage": stage})
        run_state_machine_as_test(
            machine,
            settings=RUNS,
        )
        stage.check()
    finally:
        stage.close()
        print(stage.summary())
