from __future__ import annotations

from coachbot.domain.people.identity import IdentifyUser, IdentifyUserUseCase, LanguagePolicy
from coachbot.domain.people.model import Client, ClientStatus, Role
from tests.fakes.uow import FakeUnitOfWork

LANGUAGES = LanguagePolicy("en", frozenset({"en", "de"}), "Europe/Berlin")


def identify(uow, clock, admin_ids=frozenset()):
    return IdentifyUserUseCase(uow, clock, admin_ids=admin_ids, languages=LANGUAGES)


async def test_first_contact_creates_the_user_with_their_language_and_default_zone(clock):
    uow = FakeUnitOfWork()
    identity = await identify(uow, clock)(
        IdentifyUser(telegram_id=5, first_name="Eva", language_code="de-AT")
    )
    assert identity.is_new and identity.roles == frozenset()
    assert (identity.user.language, identity.user.timezone) == ("de", "Europe/Berlin")
    again = await identify(uow, clock)(IdentifyUser(telegram_id=5, first_name="Eva"))
    assert not again.is_new and again.user.id == identity.user.id


def test_unknown_languages_fall_back_to_the_default():
    assert LANGUAGES.pick("pt-BR") == "en"
    assert LANGUAGES.pick(None) == "en"


async def test_admins_are_coaches_from_their_first_message(clock):
    uow = FakeUnitOfWork()
    identity = await identify(uow, clock, admin_ids=frozenset({9}))(
        IdentifyUser(telegram_id=9, first_name="Root")
    )
    assert identity.roles == {Role.admin, Role.coach}
    assert identity.coach_id is not None
    again = await identify(uow, clock, admin_ids=frozenset({9}))(
        IdentifyUser(telegram_id=9, first_name="Root")
    )
    assert again.coach_id == identity.coach_id


async def test_a_linked_client_profile_gives_the_client_role(clock):
    uow = FakeUnitOfWork()
    user = (await identify(uow, clock)(IdentifyUser(telegram_id=7, first_name="Cleo"))).user
    async with uow:
        await uow.clients.add(
            Client(
                coach_id=1,
                display_name="Cleo",
                status=ClientStatus.active,
                created_at=clock.now(),
                user_id=user.id,
            )
        )
        await uow.commit()
    identity = await identify(uow, clock)(IdentifyUser(telegram_id=7, first_name="Cleo"))
    assert identity.roles == {Role.client}


async def test_changed_telegram_names_are_kept_up_to_date(clock):
    uow = FakeUnitOfWork()
    await identify(uow, clock)(IdentifyUser(telegram_id=7, first_name="Cleo"))
    identity = await identify(uow, clock)(
        IdentifyUser(telegram_id=7, first_name="Cleo", last_name="Park", username="cleo")
    )
    assert identity.user.full_name == "Cleo Park" and identity.user.username == "cleo"
