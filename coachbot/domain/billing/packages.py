"""A coach's coaching packages: created, edited and archived in chat, published to the
payment provider as a Product with one active Price (a price change makes a new Price
and archives the old one), optionally with a payment link.

Publishing is resumable: the package is stored first, then each provider request is
named by the package and its version, so a publish interrupted half-way and tried again
creates nothing twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from coachbot.domain.billing.common import gateway, ids_metadata
from coachbot.domain.billing.errors import PackageNotFound, PackageNotSellable
from coachbot.domain.billing.model import MAX_TRIAL_DAYS, Interval, Package
from coachbot.domain.billing.money import Money, clean_currency
from coachbot.domain.billing.ports import Payments
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.errors import InvalidDetailError, NotAllowedError
from coachbot.domain.shared.ports import UnitOfWork, UnitOfWorkFactory

MAX_NAME = 80
MAX_DESCRIPTION = 500


def clean_package_name(text: str) -> str:
    name = " ".join(text.split())
    if not 1 <= len(name) <= MAX_NAME:
        raise InvalidDetailError("package_name", "length")
    return name


def clean_description(text: str) -> str:
    description = text.strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidDetailError("description", "length")
    return description


def clean_trial_days(value: int) -> int:
    if not 0 <= value <= MAX_TRIAL_DAYS:
        raise InvalidDetailError("trial_days", "out_of_range")
    return value


async def own_package(uow: UnitOfWork, coach_id: int | None, package_id: int) -> Package:
    package = await uow.billing.get_package(package_id)
    if package is None or coach_id is None or package.coach_id != coach_id:
        raise PackageNotFound()
    return package


async def _own_package_and_account(
    uow: UnitOfWork, coach_id: int | None, package_id: int
) -> tuple[Package, str | None]:
    """The coach's own package and the Stripe account its products live in."""
    package = await own_package(uow, coach_id, package_id)
    return package, (await uow.billing.settings(package.coach_id)).stripe_account


@dataclass(frozen=True, kw_only=True)
class CreatePackage:
    coach_id: int | None
    name: str
    description: str
    price: str  # as typed
    currency: str
    interval: Interval | None
    trial_days: int = 0
    locale: str = "en"  # how the price is written: "1.234,50" in German


class CreatePackageUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: CreatePackage) -> Package:
        if cmd.coach_id is None:
            raise NotAllowedError()
        payments = gateway(self._payments)
        currency = clean_currency(cmd.currency)
        price = Money.parse(cmd.price, currency, cmd.locale)
        now = self._clock.now()
        package = Package(
            coach_id=cmd.coach_id,
            name=clean_package_name(cmd.name),
            description=clean_description(cmd.description),
            amount=price.amount,
            currency=currency,
            interval=cmd.interval,
            trial_days=clean_trial_days(cmd.trial_days) if cmd.interval else 0,
            created_at=now,
            updated_at=now,
        )
        async with self._uow() as uow:
            package = await uow.billing.add_package(package)
            account = (await uow.billing.settings(package.coach_id)).stripe_account
            await uow.commit()
        return await publish(self._uow, payments, package, account)


async def publish(
    units: UnitOfWorkFactory, payments: Payments, package: Package, account: str | None
) -> Package:
    """Make sure the provider (on the coach's `account`) has the package's product and
    current price."""
    assert package.id is not None
    metadata = ids_metadata(coach_id=package.coach_id, package_id=package.id)
    if package.stripe_product_id is None:
        package.stripe_product_id = await payments.create_product(
            name=package.name,
            description=package.description,
            metadata=metadata,
            key=f"package-{package.id}-product",
            account=account,
        )
    if package.stripe_price_id is None:
        package.stripe_price_id = await payments.create_price(
            product_id=package.stripe_product_id,
            amount=package.amount,
            currency=package.currency,
            interval=package.interval.value if package.interval else None,
            metadata=metadata,
            key=f"package-{package.id}-price-v{package.version}",
            account=account,
        )
    async with units() as uow:
        await uow.billing.save_package(package)
        await uow.commit()
    return package


@dataclass(frozen=True, kw_only=True)
class PackageRef:
    coach_id: int | None
    package_id: int


class ListPackagesUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, coach_id: int | None) -> Sequence[Package]:
        if coach_id is None:
            raise NotAllowedError()
        async with self._uow() as uow:
            packages = await uow.billing.list_packages(coach_id)
        return [p for p in packages if not p.archived]


class ShowPackageUseCase:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, cmd: PackageRef) -> Package:
        async with self._uow() as uow:
            return await own_package(uow, cmd.coach_id, cmd.package_id)


@dataclass(frozen=True, kw_only=True)
class EditPackage:
    """Only the fields given change; a new price (or currency, or billing period) makes a
    new provider Price and archives the old one and its payment link."""

    coach_id: int | None
    package_id: int
    name: str | None = None
    description: str | None = None
    price: str | None = None
    locale: str = "en"


class EditPackageUseCase:
    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: EditPackage) -> Package:
        payments = gateway(self._payments)
        async with self._uow() as uow:
            package, account = await _own_package_and_account(uow, cmd.coach_id, cmd.package_id)
        if package.archived:
            raise PackageNotSellable()
        if package.stripe_price_id is None:  # an earlier publish did not finish
            package = await publish(self._uow, payments, package, account)
        assert package.stripe_product_id is not None and package.stripe_price_id is not None
        old_price, old_link = package.stripe_price_id, package.payment_link_id
        if cmd.name:
            package.name = clean_package_name(cmd.name)
        if cmd.description is not None:
            package.description = clean_description(cmd.description)
        new_amount = (
            Money.parse(cmd.price, package.currency, cmd.locale).amount if cmd.price else None
        )
        price_changes = new_amount is not None and new_amount != package.amount
        package.version += 1
        package.updated_at = self._clock.now()
        if price_changes:
            assert new_amount is not None
            package.amount = new_amount
            package.stripe_price_id = None
            package.payment_link_id = package.payment_link_url = None
        # The new version is stored before the provider hears of it: a retry resumes.
        async with self._uow() as uow:
            await uow.billing.save_package(package)
            await uow.commit()
        await _update_product(
            payments,
            package,
            active=True,
            key=f"package-{package.id}-product-v{package.version}",
            account=account,
        )
        if price_changes:
            package = await publish(self._uow, payments, package, account)
            await _retire(payments, old_price, old_link, account)
        return package


async def _update_product(
    payments: Payments, package: Package, *, active: bool, key: str, account: str | None
) -> None:
    assert package.stripe_product_id is not None
    await payments.update_product(
        package.stripe_product_id,
        name=package.name,
        description=package.description,
        active=active,
        key=key,
        account=account,
    )


async def _retire(
    payments: Payments, price: str | None, link: str | None, account: str | None
) -> None:
    """A price is no longer sold: archive it and switch its payment link off."""
    if price:
        await payments.archive_price(price, key=f"price-{price}-archive", account=account)
    if link:
        await payments.deactivate_payment_link(link, key=f"link-{link}-deactivate", account=account)


class ArchivePackageUseCase:
    """No longer sold: offers not paid yet cannot be paid; subscriptions go on."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, payments: Payments | None) -> None:
        self._uow = uow
        self._clock = clock
        self._payments = payments

    async def __call__(self, cmd: PackageRef) -> Package:
        payments = gateway(self._payments)
        async with self._uow() as uow:
            package, account = await _own_package_and_account(uow, cmd.coach_id, cmd.package_id)
            package.archived = True
            package.updated_at = self._clock.now()
            await uow.billing.save_package(package)
            await uow.commit()
        if package.stripe_product_id:
            await _update_product(
                payments,
                package,
                active=False,
                key=f"package-{package.id}-archive",
                account=account,
            )
        await _retire(payments, package.stripe_price_id, package.payment_link_id, account)
        return package


class PaymentLinkUseCase:
    """A reusable link to buy the package, for the coach to share anywhere."""

    def __init__(self, uow: UnitOfWorkFactory, payments: Payments | None) -> None:
        self._uow = uow
        self._payments = payments

    async def __call__(self, cmd: PackageRef) -> Package:
        payments = gateway(self._payments)
        async with self._uow() as uow:
            package, account = await _own_package_and_account(uow, cmd.coach_id, cmd.package_id)
        if not package.published:
            raise PackageNotSellable()
        if package.payment_link_url:
            return package
        assert package.stripe_price_id is not None and package.id is not None
        metadata = ids_metadata(coach_id=package.coach_id, package_id=package.id)
        link_id, url = await payments.create_payment_link(
            price_id=package.stripe_price_id,
            recurring=package.recurring,
            trial_days=package.trial_days,
            metadata=metadata,
            key=f"package-{package.id}-link-{package.stripe_price_id}",
            account=account,
        )
        async with self._uow() as uow:
            package = await own_package(uow, cmd.coach_id, cmd.package_id)
            package.payment_link_id, package.payment_link_url = link_id, url
            await uow.billing.save_package(package)
            await uow.commit()
        return package
