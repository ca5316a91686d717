"""Inject the domain's use cases, bound to one unit of work per update."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aiogram import BaseMiddleware
from aiogram.types import TelegramObject

from coachbot.bot.middlewares import NextHandler
from coachbot.bot.middlewares.progress_use_cases import progress_use_cases
from coachbot.domain.billing.admin import (
    BillingRulesUseCase,
    ChangeSubscriptionUseCase,
    DecideRefundUseCase,
    PrepareRefundUseCase,
    RevenueUseCase,
    ShowPaymentUseCase,
)
from coachbot.domain.billing.admin import (
    ShowClientBillingUseCase as ShowClientBillingForCoachUseCase,
)
from coachbot.domain.billing.packages import (
    ArchivePackageUseCase,
    CreatePackageUseCase,
    EditPackageUseCase,
    ListPackagesUseCase,
    PaymentLinkUseCase,
    ShowPackageUseCase,
)
from coachbot.domain.billing.ports import Payments
from coachbot.domain.billing.sales import (
    BillingUrls,
    OpenCheckoutUseCase,
    OpenPortalUseCase,
    PackagesForSaleUseCase,
    SendPackageUseCase,
    ShowClientBillingUseCase,
)
from coachbot.domain.checkins.flow import StartCheckinUseCase, SubmitCheckinUseCase
from coachbot.domain.checkins.ports import BlobStore, PhotoProcessor
from coachbot.domain.checkins.review import (
    AnswerFeedbackUseCase,
    FinishReviewUseCase,
    ReplyToCheckinUseCase,
    ReviewQueueSizeUseCase,
    ShowReviewCardUseCase,
)
from coachbot.domain.checkins.setup import (
    EditCheckinTemplateUseCase,
    ListCheckinTemplatesUseCase,
    NewCheckinTemplateUseCase,
    SetCheckinPlanUseCase,
    SetCheckinRulesUseCase,
    ShowCheckinPlanUseCase,
)
from coachbot.domain.forms.use_cases import (
    AddFormPhotoUseCase,
    AnswerFormUseCase,
    MoveInFormUseCase,
    ShowFormUseCase,
)
from coachbot.domain.invitations.use_cases import (
    AcceptInvitationUseCase,
    InviteCoachUseCase,
    ListInvitationsUseCase,
    RevokeInvitationUseCase,
)
from coachbot.domain.onboarding.use_cases import (
    ApplyStageUseCase,
    FinishOnboardingUseCase,
    RecordConsentUseCase,
    ResumeOnboardingUseCase,
)
from coachbot.domain.people.clients import (
    AddClientUseCase,
    ChangeClientLinkUseCase,
    ListClientsUseCase,
    ShowClientUseCase,
    UpdateClientUseCase,
)
from coachbot.domain.people.identity import IdentifyUserUseCase, LanguagePolicy
from coachbot.domain.people.profile import (
    AskProfileFieldUseCase,
    ChangeProfileFieldUseCase,
    ShowProfileUseCase,
)
from coachbot.domain.people.reachability import RecordReachabilityUseCase
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork
from coachbot.reports.tools import ProgressTools, progress_tools


class UseCaseFactory:
    """Knows how to build every use case for a given unit of work."""

    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        clock: Clock,
        *,
        admin_ids: frozenset[int],
        languages: LanguagePolicy,
        link_days: int,
        photos: PhotoProcessor,
        blobs: BlobStore,
        payments: Payments | None = None,
        billing_urls: BillingUrls | None = None,
        progress: ProgressTools | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.admin_ids = admin_ids
        self.languages = languages
        self.link_days = link_days
        self.photos = photos
        self.blobs = blobs
        self.payments = payments
        self.billing_urls = billing_urls or BillingUrls("", "", "")
        self.progress = progress or progress_tools()

    def build(self) -> dict[str, Any]:
        uow, clock = self.uow_factory(), self.clock
        return {
            "identify_user": IdentifyUserUseCase(
                uow, clock, admin_ids=self.admin_ids, languages=self.languages
            ),
            "invite_coach": InviteCoachUseCase(uow, clock),
            "accept_invitation": AcceptInvitationUseCase(uow, clock),
            "revoke_invitation": RevokeInvitationUseCase(uow, clock),
            "list_invitations": ListInvitationsUseCase(uow, clock),
            "list_clients": ListClientsUseCase(uow),
            "record_reachability": RecordReachabilityUseCase(uow, clock),
            "add_client": AddClientUseCase(uow, clock, link_days=self.link_days),
            "show_client": ShowClientUseCase(uow),
            "update_client": UpdateClientUseCase(uow, clock),
            "change_client_link": ChangeClientLinkUseCase(uow, clock, link_days=self.link_days),
            "record_consent": RecordConsentUseCase(uow, clock),
            "resume_onboarding": ResumeOnboardingUseCase(uow, clock),
            "finish_onboarding": FinishOnboardingUseCase(uow, clock),
            "apply_stage": ApplyStageUseCase(uow, clock),
            "show_profile_view": ShowProfileUseCase(uow),
            "ask_profile_field": AskProfileFieldUseCase(uow),
            "change_profile_field": ChangeProfileFieldUseCase(uow, clock),
            "answer_form": AnswerFormUseCase(uow, clock),
            "move_in_form": MoveInFormUseCase(uow, clock),
            "show_form": ShowFormUseCase(uow),
            "add_form_photo": AddFormPhotoUseCase(uow, clock, self.photos, self.blobs),
            "start_checkin": StartCheckinUseCase(uow, clock),
            "submit_checkin": SubmitCheckinUseCase(uow, clock),
            "show_review_card": ShowReviewCardUseCase(uow, self.blobs),
            "finish_review": FinishReviewUseCase(uow, clock),
            "reply_to_checkin": ReplyToCheckinUseCase(uow, clock),
            "answer_feedback": AnswerFeedbackUseCase(uow, clock),
            "review_queue_size": ReviewQueueSizeUseCase(uow),
            "list_checkin_templates": ListCheckinTemplatesUseCase(uow, clock),
            "new_checkin_template": NewCheckinTemplateUseCase(uow, clock),
            "edit_checkin_template": EditCheckinTemplateUseCase(uow, clock),
            "show_checkin_plan": ShowCheckinPlanUseCase(uow),
            "set_checkin_plan": SetCheckinPlanUseCase(uow, clock),
            "set_checkin_rules": SetCheckinRulesUseCase(uow),
            **self._billing(uow, clock),
            **progress_use_cases(uow, clock, self.blobs, self.progress),
        }

    def _billing(self, uow: UnitOfWork, clock: Clock) -> dict[str, Any]:
        payments, urls = self.payments, self.billing_urls
        return {
            "billing_configured": payments is not None,
            "list_packages": ListPackagesUseCase(uow),
            "show_package": ShowPackageUseCase(uow),
            "create_package": CreatePackageUseCase(uow, clock, payments),
            "edit_package": EditPackageUseCase(uow, clock, payments),
            "archive_package": ArchivePackageUseCase(uow, clock, payments),
            "payment_link": PaymentLinkUseCase(uow, payments),
            "send_package": SendPackageUseCase(uow, clock),
            "open_checkout": OpenCheckoutUseCase(uow, clock, payments, urls),
            "open_portal": OpenPortalUseCase(uow, clock, payments, urls),
            "show_my_billing": ShowClientBillingUseCase(uow, clock),
            "show_client_billing": ShowClientBillingForCoachUseCase(uow, clock),
            "change_subscription": ChangeSubscriptionUseCase(uow, clock, payments),
            "show_payment": ShowPaymentUseCase(uow),
            "prepare_refund": PrepareRefundUseCase(uow, clock),
            "decide_refund": DecideRefundUseCase(uow, clock, payments),
            "revenue": RevenueUseCase(uow),
            "billing_rules": BillingRulesUseCase(uow),
            "packages_for_sale": PackagesForSaleUseCase(uow),
        }


class UseCaseMiddleware(BaseMiddleware):
    def __init__(self, factory: UseCaseFactory) -> None:
        self._factory = factory

    async def __call__(
        self,
        handler: NextHandler,
        event: TelegramObject,
        data: dict[str, Any],
    ) -> Any:
        data.update(self._factory.build())
        return await handler(event, data)
