"""Adding a client, their link, joining, consent and finishing onboarding, on both DBs."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from coachbot.domain.invitations.model import InvitationKind
from coachbot.domain.invitations.use_cases import AcceptInvitation, AcceptInvitationUseCase
from coachbot.domain.onboarding.use_cases import (
    FinishOnboarding,
    FinishOnboardingUseCase,
    RecordConsent,
    RecordConsentUseCase,
)
from coachbot.domain.people.clients import (
    AddClient,
    AddClientUseCase,
    ChangeClientLink,
    ChangeClientLinkUseCase,
)
from coachbot.domain.people.model import ClientStatus, Coach, User
from coachbot.domain.shared.errors import (
    AlreadyClientError,
    ClientNotFound,
    InvalidDetailError,
    InvitationRevokedError,
    InvitationUsedError,
    NotAllowedError,
)
from coachbot.integrations.email_addresses import ValidatedEmailAddresses
from coachbot.storage.tables import OutboxRow
from coachbot.storage.uow import SqlUnitOfWork


@pytest.fixture
async def practice(session_factory, clock):
    """Two coaches and a would-be client."""
    uow = SqlUnitOfWork(session_factory)
    people = {}
    async with uow:
        for telegram_id, name in ((1, "Anna"), (2, "Otto"), (3, "Cleo")):
            people[name] = await uow.users.add(
                User(telegram_id=telegram_id, first_name=name, created_at=clock.now())
            )
        for name in ("Anna", "Otto"):
            coach = await uow.coaches.add(
                Coach(user_id=people[name].id, display_name=name, created_at=clock.now())
            )
            people[f"{name} coach"] = coach
        await uow.commit()
    people["uow"] = uow
    return people


async def add_cleo(practice, clock, **details):
    return await AddClientUseCase(practice["uow"], clock, ValidatedEmailAddresses())(
        AddClient(
            coach_id=practice["Anna coach"].id,
            actor_user_id=practice["Anna"].id,
            name="  Cleo   Park ",
            **details,
        )
    )


async def test_a_coach_adds_a_client_and_gets_a_one_time_link(practice, clock):
    link = await add_cleo(
        practice, clock, email="cleo@example.org", phone="+49 170 1234567", tags=["online"]
    )
    assert link.client_name == "Cleo Park"
    async with practice["uow"] as uow:
        client = await uow.clients.get(link.client_id)
        invitation = await uow.invitations.get(link.invitation.invitation_id)
    assert (client.status, client.phone, client.tags) == (
        ClientStatus.invited,
        "+491701234567",
        ["online"],
    )
    assert (invitation.kind, invitation.client_id) == (InvitationKind.client, link.client_id)


@pytest.mark.parametrize(
    "details", [{"email": "not-an-address"}, {"phone": "12"}, {"phone": "call me"}]
)
async def test_bad_contact_details_are_refused(practice, clock, details):
    with pytest.raises(InvalidDetailError):
        await add_cleo(practice, clock, **details)


async def test_opening_the_link_makes_the_person_the_coachs_client(
    practice, clock, session_factory
):
    link = await add_cleo(practice, clock)
    accept = AcceptInvitationUseCase(practice["uow"], clock)
    accepted = await accept(
        AcceptInvitation(user_id=practice["Cleo"].id, token=link.invitation.token)
    )
    assert (accepted.kind, accepted.client_id) == (InvitationKind.client, link.client_id)
    assert accepted.invited_by.first_name == "Anna"
    async with practice["uow"] as uow:
        client = await uow.clients.get(link.client_id)
    assert (client.user_id, client.status) == (practice["Cleo"].id, ClientStatus.onboarding)
    async with session_factory() as session:
        [notice] = (await session.scalars(select(OutboxRow.payload))).all()
    assert notice["name"] == "client_joined" and notice["params"] == {"name": "Cleo Park"}
    with pytest.raises(InvitationUsedError):
        await accept(AcceptInvitation(user_id=practice["Otto"].id, token=link.invitation.token))


async def test_a_person_is_a_client_of_a_coach_only_once(practice, clock):
    first, second = await add_cleo(practice, clock), await add_cleo(practice, clock)
    accept = AcceptInvitationUseCase(practice["uow"], clock)
    await accept(AcceptInvitation(user_id=practice["Cleo"].id, token=first.invitation.token))
    with pytest.raises(AlreadyClientError):
        await accept(AcceptInvitation(user_id=practice["Cleo"].id, token=second.invitation.token))


async def test_the_coach_cannot_use_their_clients_link(practice, clock):
    link = await add_cleo(practice, clock)
    with pytest.raises(NotAllowedError):
        await AcceptInvitationUseCase(practice["uow"], clock)(
            AcceptInvitation(user_id=practice["Anna"].id, token=link.invitation.token)
        )


async def test_a_new_link_revokes_the_old_one_and_only_the_coach_may_ask(practice, clock):
    link = await add_cleo(practice, clock)
    change = ChangeClientLinkUseCase(practice["uow"], clock)
    with pytest.raises(ClientNotFound):  # Otto forging Anna's client id
        await change(
            ChangeClientLink(
                coach_id=practice["Otto coach"].id,
                actor_user_id=practice["Otto"].id,
                client_id=link.client_id,
                renew=True,
            )
        )
    renewed = await change(
        ChangeClientLink(
            coach_id=practice["Anna coach"].id,
            actor_user_id=practice["Anna"].id,
            client_id=link.client_id,
            renew=True,
        )
    )
    accept = AcceptInvitationUseCase(practice["uow"], clock)
    with pytest.raises(InvitationRevokedError):
        await accept(AcceptInvitation(user_id=practice["Cleo"].id, token=link.invitation.token))
    await accept(AcceptInvitation(user_id=practice["Cleo"].id, token=renewed.invitation.token))


async def test_consent_is_recorded_by_version_and_onboarding_finishes_once(
    practice, clock, session_factory
):
    link = await add_cleo(practice, clock)
    cleo = practice["Cleo"].id
    await AcceptInvitationUseCase(practice["uow"], clock)(
        AcceptInvitation(user_id=cleo, token=link.invitation.token)
    )
    consent = RecordConsentUseCase(practice["uow"], clock)
    await consent(RecordConsent(user_id=cleo, document="privacy", version="2026-11-25"))
    await consent(RecordConsent(user_id=cleo, document="privacy", version="2026-11-25"))
    async with practice["uow"] as uow:
        assert await uow.consents.has(user_id=cleo, document="privacy", version="2026-11-25")
        assert not await uow.consents.has(user_id=cleo, document="privacy", version="2027-01-01")
    finished = await FinishOnboardingUseCase(practice["uow"], clock)(FinishOnboarding(user_id=cleo))
    assert finished.coach_name == "Anna"
    async with practice["uow"] as uow:
        assert (await uow.clients.get(link.client_id)).status is ClientStatus.active
    with pytest.raises(ClientNotFound):
        await FinishOnboardingUseCase(practice["uow"], clock)(FinishOnboarding(user_id=cleo))
    async with session_factory() as session:
        names = [p["name"] for p in (await session.scalars(select(OutboxRow.payload))).all()]
    assert names == ["client_joined", "client_onboarded"]
