"""Every use case, grouped by feature (built once at start-up: `assembly.build_use_cases`).

Handlers receive one `UseCases` (`uc`) and call, e.g., `uc.checkins.start_checkin(...)`:
the type checker sees every call. Each use case opens its own unit of work per call, so
one instance serves concurrent updates.
"""

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
from coachbot.domain.billing.sales import (
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
from coachbot.domain.people.identity import IdentifyUserUseCase
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
from coachbot.domain.progress.report_files import (
    MakeProgressReportUseCase,
    MonthlyReportUseCase,
    PurgeGeneratedFilesUseCase,
    SendMonthlyReportsUseCase,
)


@dataclass(frozen=True)
class PeopleUseCases:
    identify_user: IdentifyUserUseCase
    record_reachability: RecordReachabilityUseCase
    list_clients: ListClientsUseCase
    add_client: AddClientUseCase
    show_client: ShowClientUseCase
    update_client: UpdateClientUseCase
    change_client_link: ChangeClientLinkUseCase
    import_clients: ImportClientsUseCase
    show_profile_view: ShowProfileUseCase
    ask_profile_field: AskProfileFieldUseCase
    change_profile_field: ChangeProfileFieldUseCase


@dataclass(frozen=True)
class InvitationUseCases:
    invite_coach: InviteCoachUseCase
    accept_invitation: AcceptInvitationUseCase
    revoke_invitation: RevokeInvitationUseCase
    list_invitations: ListInvitationsUseCase


@dataclass(frozen=True)
class OnboardingUseCases:
    record_consent: RecordConsentUseCase
    resume_onboarding: ResumeOnboardingUseCase
    finish_onboarding: FinishOnboardingUseCase
    show_intake: ShowIntakeUseCase


@dataclass(frozen=True)
class FormUseCases:
    sync_shipped_forms: SyncShippedFormsUseCase
    start_form: StartFormUseCase
    answer_form: AnswerFormUseCase
    move_in_form: MoveInFormUseCase
    show_form: ShowFormUseCase
    find_time_zone: FindTimeZoneUseCase
    add_form_photo: AddFormPhotoUseCase


@dataclass(frozen=True)
class CheckinUseCases:
    start_checkin: StartCheckinUseCase
    bring_checkin_forward: BringCheckinForwardUseCase
    open_due_checkins: OpenDueCheckinsUseCase
    follow_up_checkins: FollowUpCheckinsUseCase
    show_review_card: ShowReviewCardUseCase
    finish_review: FinishReviewUseCase
    reply_to_checkin: ReplyToCheckinUseCase
    answer_feedback: AnswerFeedbackUseCase
    review_queue_size: ReviewQueueSizeUseCase
    list_checkin_templates: ListCheckinTemplatesUseCase
    new_checkin_template: NewCheckinTemplateUseCase
    edit_checkin_template: EditCheckinTemplateUseCase
    show_checkin_plan: ShowCheckinPlanUseCase
    set_checkin_plan: SetCheckinPlanUseCase
    set_checkin_rules: SetCheckinRulesUseCase


@dataclass(frozen=True)
class GoalUseCases:
    show_goals: ShowGoalsUseCase
    add_goal: AddGoalUseCase
    set_milestones: SetMilestonesUseCase
    propose_goal_change: ProposeGoalChangeUseCase
    decide_goal_change: DecideGoalChangeUseCase
    edit_goal: EditGoalUseCase
    show_achievements: ShowAchievementsUseCase
    flag_overdue_goals: FlagOverdueGoalsUseCase


@dataclass(frozen=True)
class ProgressUseCases:
    list_metrics: ListMetricsUseCase
    log_metric: LogMetricUseCase
    list_recent_entries: ListRecentEntriesUseCase
    change_entry: ChangeEntryUseCase
    define_custom_metric: DefineCustomMetricUseCase
    list_custom_metrics: ListCustomMetricsUseCase
    archive_custom_metric: ArchiveCustomMetricUseCase
    show_progress: ShowProgressUseCase
    list_photo_checkins: ListPhotoCheckinsUseCase
    compare_photos: ComparePhotosUseCase
    make_progress_report: MakeProgressReportUseCase
    monthly_report: MonthlyReportUseCase
    send_monthly_reports: SendMonthlyReportsUseCase
    purge_generated_files: PurgeGeneratedFilesUseCase
    export_metrics: ExportMetricsUseCase
    export_client: ExportClientUseCase


@dataclass(frozen=True)
class BillingUseCases:
    configured: bool
    list_packages: ListPackagesUseCase
    show_package: ShowPackageUseCase
    create_package: CreatePackageUseCase
    edit_package: EditPackageUseCase
    archive_package: ArchivePackageUseCase
    payment_link: PaymentLinkUseCase
    send_package: SendPackageUseCase
    packages_for_sale: PackagesForSaleUseCase
    open_checkout: OpenCheckoutUseCase
    open_portal: OpenPortalUseCase
    renew_subscription: RenewSubscriptionUseCase
    show_my_billing: ShowClientBillingUseCase
    show_client_billing: ShowClientBillingForCoachUseCase
    change_subscription: ChangeSubscriptionUseCase
    show_payment: ShowPaymentUseCase
    prepare_refund: PrepareRefundUseCase
    decide_refund: DecideRefundUseCase
    revenue: RevenueUseCase
    billing_rules: BillingRulesUseCase
    dunning: DunningUseCase
    handle_stripe_event: HandleStripeEventUseCase | None


@dataclass(frozen=True)
class UseCases:
    people: PeopleUseCases
    invitations: InvitationUseCases
    onboarding: OnboardingUseCases
    forms: FormUseCases
    checkins: CheckinUseCases
    goals: GoalUseCases
    progress: ProgressUseCases
    billing: BillingUseCases
