"""A reply follows its answer's commit: when the commit fails, the person hears nothing more than
the press's answer, and nothing of the answer is stored."""

from __future__ import annotations

from sqlalchemy import event, select

from bot.ui.labels import question_text
from storage.models import Answer
from storage.units import sqlite_writer
from tests.fixtures.bot import running_bot
from tests.intake.test_intake_e2e import Walker, flow_for

REPLIES = ("sendMessage", "editMessageText", "editMessageReplyMarkup")


class RefusedCommit:
    """Every commit of a transaction that wrote an answer fails, as on a full disk."""

    def __init__(self) -> None:
        self.refused = 0

    def executed(self, connection, cursor, statement, *args) -> None:
        if statement.lstrip().upper().startswith("INSERT INTO ANSWER"):
            connection.info["answer"] = True

    def commit(self, connection) -> None:
        if connection.info.pop("answer", False):
            self.refused += 1
            raise OSError("disk full")

    def install(self, engine) -> None:
        event.listen(engine, "before_cursor_execute", self.executed)
        event.listen(engine, "commit", self.commit)

    def remove(self, engine) -> None:
        event.remove(engine, "before_cursor_execute", self.executed)
        event.remove(engine, "commit", self.commit)


def replies(fake) -> int:
    return sum(len(fake.calls_to(method)) for method in REPLIES)


async def test_an_answer_whose_commit_fails_gets_no_reply_and_is_not_stored(
    fake_telegram, database_url, sessions
):
    fake = fake_telegram
    flow = flow_for(fake, database_url)
    first, second, third = flow.questions[:3]
    async with running_bot(fake, database_url) as app:
        walker = Walker(fake, fake.person("Amina", "de"), flow, "de")
        await walker.start()
        await walker.answer(first, "spich")
        await walker.shows(walker.tr(question_text(flow, second)))
        writer = sqlite_writer(app.engine)
        engine = writer.engine if writer is not None else app.engine.sync_engine
        refusal = RefusedCommit()
        refusal.install(engine)
        before = replies(fake)
        walker.person.tap(walker.label(second, "a27_44"))
        await fake.wait_until(lambda: refusal.refused and not fake.unanswered_callbacks())
        assert replies(fake) == before  # the spinner stopped, and nothing else came
        refusal.remove(engine)
        # The same press again, now committed, is answered with the next question.
        walker.person.tap(walker.label(second, "a27_44"))
        await walker.shows(walker.tr(question_text(flow, third)))
    async with sessions() as session:
        stored = dict((await session.execute(select(Answer.question_id, Answer.code))).all())
    assert stored == {"district": "spich", "age_group": "a27_44"}
