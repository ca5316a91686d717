"""Building every use case once: what they need besides the database and the clock
(`Adapters`), the settings that change what they decide (`Policies`)."""

from __future__ import annotations

from dataclasses import dataclass

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
from coachbot.domain.billing.dunning import DunningUseCase
from coachbot.domain.billing.events import HandleStripeEventUseCase
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
    RenewSubscriptionUseCase,
    SendPackageUseCase,
    ShowClientBillingUseCase,
)
from coachbot.domain.checkins.flow import (
    BringCheckinForwardUseCase,
    StartCheckinUseCase,
)
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
from coachbot.domain.checkins.ticks import FollowUpCheckinsUseCase, OpenDueCheckinsUseCase
from coachbot.domain.completions import FORM_COMPLETIONS
from coachbot.domain.forms.ports import TimeZones
from coachbot.domain.forms.use_cases import (
    AddFormPhotoUseCase,
    AnswerFormUseCase,
    FindTimeZoneUseCase,
    MoveInFormUseCase,
    ShowFormUseCase,
    StartFormUseCase,
    SyncShippedFormsUseCase,
)
from coachbot.domain.goals.achievements import ShowAchievementsUseCase
from coachbot.domain.goals.changes import (
    DecideGoalChangeUseCase,
    EditGoalUseCase,
    ProposeGoalChangeUseCase,
)
from coachbot.domain.goals.overdue import FlagOverdueGoalsUseCase
from coachbot.domain.goals.setting import AddGoalUseCase, SetMilestonesUseCase
from coachbot.domain.goals.viewing import ShowGoalsUseCase
from coachbot.domain.invitations.use_cases import (
    AcceptInvitationUseCase,
    InviteCoachUseCase,
    ListInvitationsUseCase,
    RevokeInvitationUseCase,
)
from coachbot.domain.onboarding.intake import ShowIntakeUseCase
from coachbot.domain.onboarding.use_cases import (
    FinishOnboardingUseCase,
    RecordConsentUseCase,
    ResumeOnboardingUseCase,
)
from coachbot.domain.people.clients import (
    AddClientUseCase,
    ChangeClientLinkUseCase,
    ImportClientsUseCase,
    ListClientsUseCase,
    ShowClientUseCase,
    UpdateClientUseCase,
)
from coachbot.domain.people.identity import IdentifyUserUseCase, LanguagePolicy
from coachbot.domain.people.ports import EmailAddresses
from coachbot.domain.people.profile import (
    AskProfileFieldUseCase,
    ChangeProfileFieldUseCase,
    ShowProfileUseCase,
)
from coachbot.domain.people.reachability import RecordReachabilityUseCase
from coachbot.domain.progress.exports import ExportClientUseCase, ExportMetricsUseCase
from coachbot.domain.progress.measurements import (
    ArchiveCustomMetricUseCase,
    ChangeEntryUseCase,
    DefineCustomMetricUseCase,
    ListCustomMetricsUseCase,
    ListMetricsUseCase,
    ListRecentEntriesUseCase,
    LogMetricUseCase,
)
from coachbot.domain.progress.photos import ComparePhotosUseCase, ListPhotoCheckinsUseCase
from coachbot.domain.progress.pictures import ShowProgressUseCase
from coachbot.domain.progress.ports import (
    ChartCache,
    ChartRenderer,
    ExportWriter,
    PhotoComparer,
    ReportRenderer,
)
from coachbot.domain.progress.report_files import (
    MakeProgressReportUseCase,
    MonthlyReportUseCase,
    PurgeGeneratedFilesUseCase,
    SendMonthlyReportsUseCase,
)
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWorkFactory
from coachbot.domain.use_cases import (
    BillingUseCases,
    CheckinUseCases,
    FormUseCases,
    GoalUseCases,
    InvitationUseCases,
    OnboardingUseCases,
    PeopleUseCases,
    ProgressUseCases,
    UseCases,
)


@dataclass(frozen=True)
class Adapters:
    """What the use cases need besides the database and the clock."""

    photos: PhotoProcessor
    blobs: BlobStore
    charts: ChartRenderer
    chart_cache: ChartCache
    comparer: PhotoComparer
    reports: ReportRenderer
    exports: ExportWriter
    export_part_bytes: int
    billing_urls: BillingUrls
    zones: TimeZones
    emails: EmailAddresses
    payments: Payments | None = None


@dataclass(frozen=True)
class Policies:
    """Settings that change what the use cases decide."""

    admin_ids: frozenset[int]
    languages: LanguagePolicy
    link_days: int


def build_use_cases(
    uow: UnitOfWorkFactory, clock: Clock, adapters: Adapters, policies: Policies
) -> UseCases:
    """Every use case, built once at start-up by the composition root."""
    return UseCases(
        people=_people(uow, clock, adapters, policies),
        invitations=InvitationUseCases(
            InviteCoachUseCase(uow, clock),
            AcceptInvitationUseCase(uow, clock),
            RevokeInvitationUseCase(uow, clock),
            ListInvitationsUseCase(uow, clock),
        ),
        onboarding=OnboardingUseCases(
            RecordConsentUseCase(uow, clock),
            ResumeOnboardingUseCase(uow, clock),
            FinishOnboardingUseCase(uow, clock),
            ShowIntakeUseCase(uow),
        ),
        forms=FormUseCases(
            SyncShippedFormsUseCase(uow, clock),
            StartFormUseCase(uow, clock),
            AnswerFormUseCase(uow, clock, FORM_COMPLETIONS),
            MoveInFormUseCase(uow, clock, FORM_COMPLETIONS),
            ShowFormUseCase(uow),
            FindTimeZoneUseCase(adapters.zones),
            AddFormPhotoUseCase(uow, clock, FORM_COMPLETIONS, adapters.photos, adapters.blobs),
        ),
        checkins=_checkins(uow, clock, adapters),
        goals=GoalUseCases(
            ShowGoalsUseCase(uow, clock),
            AddGoalUseCase(uow, clock),
            SetMilestonesUseCase(uow, clock),
            ProposeGoalChangeUseCase(uow, clock),
            DecideGoalChangeUseCase(uow, clock),
            EditGoalUseCase(uow, clock),
            ShowAchievementsUseCase(uow),
            FlagOverdueGoalsUseCase(uow, clock),
        ),
        progress=_progress(uow, clock, adapters),
        billing=_billing(uow, clock, adapters),
    )


def _people(
    uow: UnitOfWorkFactory, clock: Clock, adapters: Adapters, policies: Policies
) -> PeopleUseCases:
    return PeopleUseCases(
        identify_user=IdentifyUserUseCase(
            uow, clock, admin_ids=policies.admin_ids, languages=policies.languages
        ),
        record_reachability=RecordReachabilityUseCase(uow, clock),
        list_clients=ListClientsUseCase(uow),
        add_client=AddClientUseCase(uow, clock, adapters.emails, link_days=policies.link_days),
        show_client=ShowClientUseCase(uow),
        update_client=UpdateClientUseCase(uow, clock),
        change_client_link=ChangeClientLinkUseCase(uow, clock, link_days=policies.link_days),
        import_clients=ImportClientsUseCase(uow, clock, adapters.emails),
        show_profile_view=ShowProfileUseCase(uow),
        ask_profile_field=AskProfileFieldUseCase(uow),
        change_profile_field=ChangeProfileFieldUseCase(uow, clock),
    )


def _checkins(uow: UnitOfWorkFactory, clock: Clock, adapters: Adapters) -> CheckinUseCases:
    return CheckinUseCases(
        start_checkin=StartCheckinUseCase(uow, clock),
        bring_checkin_forward=BringCheckinForwardUseCase(uow, clock),
        open_due_checkins=OpenDueCheckinsUseCase(uow, clock),
        follow_up_checkins=FollowUpCheckinsUseCase(uow, clock),
        show_review_card=ShowReviewCardUseCase(uow, adapters.blobs),
        finish_review=FinishReviewUseCase(uow, clock),
        reply_to_checkin=ReplyToCheckinUseCase(uow, clock),
        answer_feedback=AnswerFeedbackUseCase(uow, clock),
        review_queue_size=ReviewQueueSizeUseCase(uow),
        list_checkin_templates=ListCheckinTemplatesUseCase(uow, clock),
        new_checkin_template=NewCheckinTemplateUseCase(uow, clock),
        edit_checkin_template=EditCheckinTemplateUseCase(uow, clock),
        show_checkin_plan=ShowCheckinPlanUseCase(uow),
        set_checkin_plan=SetCheckinPlanUseCase(uow, clock),
        set_checkin_rules=SetCheckinRulesUseCase(uow),
    )


def _progress(uow: UnitOfWorkFactory, clock: Clock, adapters: Adapters) -> ProgressUseCases:
    a = adapters
    return ProgressUseCases(
        list_metrics=ListMetricsUseCase(uow),
        log_metric=LogMetricUseCase(uow, clock),
        list_recent_entries=ListRecentEntriesUseCase(uow),
        change_entry=ChangeEntryUseCase(uow, clock),
        define_custom_metric=DefineCustomMetricUseCase(uow, clock),
        list_custom_metrics=ListCustomMetricsUseCase(uow),
        archive_custom_metric=ArchiveCustomMetricUseCase(uow),
        show_progress=ShowProgressUseCase(uow, clock, a.charts, a.chart_cache),
        list_photo_checkins=ListPhotoCheckinsUseCase(uow),
        compare_photos=ComparePhotosUseCase(uow, a.blobs, a.comparer),
        make_progress_report=MakeProgressReportUseCase(uow, clock, a.reports),
        monthly_report=MonthlyReportUseCase(uow, clock),
        send_monthly_reports=SendMonthlyReportsUseCase(uow, clock, a.reports, a.blobs),
        purge_generated_files=PurgeGeneratedFilesUseCase(uow, clock, a.blobs),
        export_metrics=ExportMetricsUseCase(uow, clock, a.exports),
        export_client=ExportClientUseCase(
            uow, clock, a.blobs, a.exports, part_bytes=a.export_part_bytes
        ),
    )


def _billing(uow: UnitOfWorkFactory, clock: Clock, adapters: Adapters) -> BillingUseCases:
    payments, urls = adapters.payments, adapters.billing_urls
    return BillingUseCases(
        configured=payments is not None,
        list_packages=ListPackagesUseCase(uow),
        show_package=ShowPackageUseCase(uow),
        create_package=CreatePackageUseCase(uow, clock, payments),
        edit_package=EditPackageUseCase(uow, clock, payments),
        archive_package=ArchivePackageUseCase(uow, clock, payments),
        payment_link=PaymentLinkUseCase(uow, payments),
        send_package=SendPackageUseCase(uow, clock),
        packages_for_sale=PackagesForSaleUseCase(uow),
        open_checkout=OpenCheckoutUseCase(uow, clock, payments, urls),
        open_portal=OpenPortalUseCase(uow, clock, payments, urls),
        renew_subscription=RenewSubscriptionUseCase(uow, clock, payments),
        show_my_billing=ShowClientBillingUseCase(uow, clock),
        show_client_billing=ShowClientBillingForCoachUseCase(uow, clock),
        change_subscription=ChangeSubscriptionUseCase(uow, clock, payments),
        show_payment=ShowPaymentUseCase(uow),
        prepare_refund=PrepareRefundUseCase(uow, clock),
        decide_refund=DecideRefundUseCase(uow, clock, payments),
        revenue=RevenueUseCase(uow),
        billing_rules=BillingRulesUseCase(uow),
        dunning=DunningUseCase(uow, clock),
        handle_stripe_event=(
            HandleStripeEventUseCase(uow, clock, payments) if payments is not None else None
        ),
    )
