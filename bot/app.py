"""The one composition root: settings, database, clock and every service, wired once.

`kim-intake run` (bot/telegram/app.py), `kim-intake chat`, every CLI command and the tests build
their services here, so a service gets the same collaborators wherever it runs:

    services = await Services.open(settings)   # migrates; Services(settings, engine) does not
    try:
        await services.broadcasts.cancel(7)
    finally:
        await services.close()

Each service is built on first use (and its module imported then), so a CLI command pays only for
what it uses. The channels add only what is theirs: the Telegram bot, its renderer, the sender.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property
from typing import TYPE_CHECKING

from bot.core.config import Settings
from bot.core.service import Clock, utc_now
from storage.units import dispose_writer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

    from bot.broadcasts.progress import Progress
    from bot.broadcasts.service import Broadcasts
    from bot.casework.contact import Contact
    from bot.casework.service import Casework
    from bot.casework.staff import StaffService
    from bot.core.inbox import Inbox
    from bot.flows.schema import Flow
    from bot.intake.data_rights import DataRights
    from bot.intake.providers import ProviderSurvey
    from bot.intake.service import Conversation
    from bot.offers.directory import Directory
    from bot.outbox.sender import Kind
    from bot.providers.desk import ProviderDesk
    from bot.reminders import Reminders
    from bot.reports.service import Reports
    from bot.retention import Retention


class Services:
    """Every service of KIM Intake on one database; `close()` gives the connections back."""

    def __init__(
        self,
        settings: Settings,
        engine: AsyncEngine,
        *,
        flow: Flow | None = None,
        clock: Clock = utc_now,
    ) -> None:
        from storage.db import session_factory

        self.settings = settings
        self.engine = engine
        self.sessions: async_sessionmaker[AsyncSession] = session_factory(engine)
        self.clock = clock
        if flow is not None:
            self.flow = flow

    @classmethod
    async def open(
        cls,
        settings: Settings,
        *,
        database_url: str | None = None,
        flow: Flow | None = None,
        clock: Clock = utc_now,
        migrate: bool = True,
    ) -> Services:
        """A new engine on the configured database (or `database_url`), migrated first unless
        `migrate` is False (the read-only report commands say so when the schema is missing)."""
        from storage.db import create_engine

        url = database_url or settings.database_url
        if migrate:  # Alembic is loaded only then: `kim-intake run` migrates in a child process
            from storage.migrate import upgrade_async

            await upgrade_async(url)
        return cls(settings, create_engine(url), flow=flow, clock=clock)

    async def close(self) -> None:
        dispose_writer(self.engine)
        await self.engine.dispose()

    @cached_property
    def flow(self) -> Flow:
        from bot.flows.loader import load_configured_flow

        return load_configured_flow(self.settings)

    @cached_property
    def casework(self) -> Casework:
        from bot.casework.service import Casework

        casework = Casework(self.sessions, self.settings, self.flow, clock=self.clock)
        casework.offers = self.directory  # the offers matching a case, in its details
        return casework

    @cached_property
    def conversation(self) -> Conversation:
        """The intake; the handover: a finished questionnaire with a flag opens or joins a case;
        the directory: the offers suggested to the person."""
        from bot.intake.service import Conversation

        handover = self.casework.handover
        return Conversation(
            self.sessions,
            self.settings,
            self.flow,
            clock=self.clock,
            handover=handover,
            offers=self.directory,
        )

    @cached_property
    def provider_flow(self) -> Flow:
        from bot.flows.loader import load_flow, provider_flow_path

        settings = self.settings
        return load_flow(provider_flow_path(), settings.districts, settings.field_ids)

    @cached_property
    def provider_survey(self) -> ProviderSurvey:
        """The provider survey: a second conversation, over the providers flow, in German; the
        answers go to the directory as a submission."""
        from bot.intake.providers import ProviderSurvey

        directory = self.directory

        async def submit(entry, provider: str, organisation_id: int | None) -> int:
            return await directory.submit(entry, provider=provider, organisation_id=organisation_id)

        flow = self.provider_flow
        return ProviderSurvey(self.sessions, self.settings, flow, clock=self.clock, submit=submit)

    @cached_property
    def providers(self) -> ProviderDesk:
        """Providers' invitations and the coordinators' review of their entries."""
        from bot.providers.desk import ProviderDesk

        return ProviderDesk(
            self.sessions,
            self.settings,
            self.directory,
            self.staff.is_coordinator,
            clock=self.clock,
        )

    @cached_property
    def contact(self) -> Contact:
        """Messages between a caseworker and the person of their case."""
        from bot.casework.contact import Contact

        return Contact(self.sessions, self.settings, clock=self.clock)

    @cached_property
    def data_rights(self) -> DataRights:
        from bot.intake.data_rights import DataRights

        return DataRights(self.conversation, erased=lambda: self.casework.wake())

    @cached_property
    def staff(self) -> StaffService:
        from bot.casework.staff import StaffService

        return StaffService(self.sessions, self.settings, clock=self.clock)

    @cached_property
    def reports(self) -> Reports:
        from bot.reports.service import Reports

        reports = Reports(self.sessions, self.settings, self.flow, clock=self.clock)
        reports.offers = self.directory  # needs beside the offers that reach them
        return reports

    @cached_property
    def broadcasts(self) -> Broadcasts:
        from bot.broadcasts.service import Broadcasts

        return Broadcasts(self.sessions, self.settings, self.flow, clock=self.clock)

    @cached_property
    def progress(self) -> Progress:
        from bot.broadcasts.progress import Progress

        return Progress(self.broadcasts)

    @cached_property
    def reminders(self) -> Reminders:
        from bot.reminders import Reminders

        return Reminders(self.sessions, self.settings, clock=self.clock)

    @cached_property
    def retention(self) -> Retention:
        from bot.retention import Retention

        return Retention(self.sessions, self.settings, clock=self.clock)

    @cached_property
    def directory(self) -> Directory:
        """The directory of local offers: imports, providers' submissions, what is shown."""
        from bot.offers.directory import Directory

        return Directory(self.sessions, self.settings, clock=self.clock)

    @cached_property
    def inbox(self) -> Inbox:
        from bot.core.inbox import Inbox

        return Inbox(self.sessions, clock=self.clock)

    # --- The outbox: every message that is not a direct reply -----------------------------------

    def outbox_kinds(self) -> dict[str, Kind]:
        """Every kind of message in the outbox, and the service that composes and settles it."""
        from bot.outbox.sender import Kind

        return {
            "broadcast": Kind(self.broadcasts.compose),
            "reminder": Kind(self.reminders.compose),
            **self.progress.kinds(),
            **self.casework.kinds(),
            **self.contact.kinds(),
            **self.providers.kinds(),
        }

    def wake_outbox(self, wake: Callable[[], None]) -> None:
        """`wake` is called after every commit that put something in the outbox."""
        for service in (self.broadcasts, self.casework, self.contact, self.providers):
            service.wake = wake
