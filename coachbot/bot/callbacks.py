"""CallbackData factories: short unique prefixes, only ids and enums as fields.

Every factory derives from `Callback`, which refuses, while unpacking, a number the bot
never puts in a button: negative, or beyond what the id columns hold. Factories whose
string `value` carries a number say so in a validator. Callback data that does not
unpack matches no handler, so a forged button is answered by the catch-all like any
other ("This button is no longer active."), never with an error.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

from aiogram.filters.callback_data import CallbackData
from pydantic import field_validator, model_validator

from coachbot.domain.goals.model import GoalCategory

MAX_ID = 2**31 - 1
"""The largest value an id column holds (INTEGER: 32 bits in PostgreSQL)."""


def is_number(text: str, maximum: int = MAX_ID) -> bool:
    """Whether `text` is a whole number the bot could have put in a button: ASCII digits
    only (`"²".isdigit()` is true, but `int("²")` fails), from 0 to `maximum`."""
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(maximum)):
        return False
    return int(text) <= maximum


class Callback(CallbackData, prefix="~"):
    """The base of every factory (not a factory itself)."""

    @field_validator("*", mode="after")
    @classmethod
    def _within_the_columns(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool) and not 0 <= value <= MAX_ID:
            raise ValueError(f"{value} is not a number the bot puts in a button")
        return value


def _refuse(field: str, value: str) -> ValueError:
    return ValueError(f"{field}={value!r} is not a value the bot puts in a button")


class MenuAction(StrEnum):
    clients = "cl"
    add_client = "ac"
    invite_coach = "ic"
    invitations = "iv"
    review = "rq"
    templates = "tp"
    checkin_rules = "cr"
    billing = "bl"
    custom_metrics = "cm"


class MenuCb(Callback, prefix="m"):
    action: MenuAction


class InviteValidityCb(Callback, prefix="iv"):
    days: int


class InvitationAction(StrEnum):
    revoke = "rv"


class InvitationCb(Callback, prefix="inv"):
    action: InvitationAction
    invitation_id: int


class CancelCb(Callback, prefix="x"):
    pass


class SkipCb(Callback, prefix="sk"):
    """Skip an optional step of a conversation."""


class ClientLinkAction(StrEnum):
    revoke = "rv"
    renew = "nw"


class ClientLinkCb(Callback, prefix="cl"):
    action: ClientLinkAction
    client_id: int


class ConsentCb(Callback, prefix="cs"):
    accept: bool


class FormAction(StrEnum):
    pick = "p"  # a single choice, a scale value, yes or no
    toggle = "t"  # tick or untick one option of a multi choice
    done = "d"  # the multi choice is complete
    photos_done = "ph"  # the photos sent so far are the answer
    skip = "s"
    back = "b"
    confirm_date = "c"  # the date typed, understood as `value` (ISO), is meant
    reject_date = "r"  # it is not: ask again


class FormCb(Callback, prefix="f"):
    response_id: int
    action: FormAction
    value: str = ""


class ClientListCb(Callback, prefix="ls"):
    """The first page of the client list (`page` is left from when it paged by number)."""

    page: int = 0
    status: str = ""  # "" for every status
    search: bool = False  # keep the search the coach typed last


class ClientPageCb(Callback, prefix="lp"):
    """Next (after client `at`) or, `back`, Previous (before it) in the client list; `rank`
    is the place of `at`'s status in the list, `page` only the number shown."""

    page: int
    at: int
    rank: int
    back: bool = False
    status: str = ""
    search: bool = False


class ClientAction(StrEnum):
    show = "sh"
    notes = "nt"
    tags = "tg"
    pause = "pa"
    resume = "re"
    archive = "ar"
    restore = "rs"
    checkins = "ci"
    billing = "bi"
    charts = "ch"
    progress = "pr"
    intake = "in"


class ClientCardCb(Callback, prefix="cc"):
    client_id: int
    action: ClientAction = ClientAction.show


class ClientSearchCb(Callback, prefix="lq"):
    pass


class ProfileCb(Callback, prefix="pf"):
    """Change one profile field; with a value, the option chosen for it."""

    field: str
    value: str = ""


class CheckinCb(Callback, prefix="ck"):
    """Start (or continue) one's check-in."""

    checkin_id: int


class ReviewAction(StrEnum):
    show = "sh"
    next = "nx"
    reply = "rp"
    reviewed = "ok"
    skip = "sk"


class ReviewCb(Callback, prefix="rv"):
    action: ReviewAction
    checkin_id: int = 0  # 0: the oldest waiting


class PlanAction(StrEnum):
    weekly = "wk"
    every = "ev"
    custom = "cu"
    stop = "st"
    weekday = "wd"  # tick or untick a weekday (value: 0..6)
    weekdays_done = "wdd"
    time = "tm"  # a suggested time (value: HH.MM)
    template = "tp"  # use this template (value: id)


class PlanCb(Callback, prefix="pl"):
    client_id: int
    action: PlanAction
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        if self.action is PlanAction.weekday and not is_number(self.value, 6):
            raise _refuse("value", self.value)
        if self.action is PlanAction.template and not is_number(self.value):
            raise _refuse("value", self.value)
        if self.action is PlanAction.time and not _is_wall_time(self.value):
            raise _refuse("value", self.value)
        return self


def _is_wall_time(value: str) -> bool:
    """HH.MM, as the suggested times are sent."""
    hours, dot, minutes = value.partition(".")
    return (
        dot == "."
        and len(hours) == len(minutes) == 2
        and is_number(hours, 23)
        and is_number(minutes, 59)
    )


class TemplateAction(StrEnum):
    show = "sh"
    new = "nw"
    question = "q"  # show one question's buttons
    up = "up"
    down = "dn"
    optional = "op"
    remove = "rm"
    add = "ad"
    kind = "kd"  # the kind of the question being added (value: kind)
    metric = "mt"  # the metric of a metric question being added (value: metric)


class TemplateCb(Callback, prefix="tp"):
    template_id: int
    action: TemplateAction
    value: str = ""


class RulesCb(Callback, prefix="ru"):
    """Change one of the coach's follow-up rules (field: nudge, grace, alert)."""

    field: str


class FeedbackCb(Callback, prefix="fb"):
    """The client answers the coach's feedback on one of their check-ins."""

    checkin_id: int


# -- billing (appended) -----------------------------------------------------------------


class BillingAction(StrEnum):
    packages = "pk"
    new_package = "np"
    revenue = "rv"
    rules = "ru"
    require = "rq"  # toggle: coaching needs an active subscription
    grace = "gr"  # value: days


class BillingCb(Callback, prefix="bl"):
    action: BillingAction
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        if self.action is BillingAction.grace and self.value and not is_number(self.value):
            raise _refuse("value", self.value)
        return self


class PackageAction(StrEnum):
    show = "sh"
    name = "nm"
    description = "ds"
    price = "pr"
    link = "lk"
    archive = "ar"


class PackageCb(Callback, prefix="pk"):
    package_id: int
    action: PackageAction = PackageAction.show


class PackageSetupCb(Callback, prefix="ps"):
    """A choice while creating a package (field: currency, interval or trial)."""

    field: str
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.field == "trial" and self.value and not is_number(self.value):
            raise _refuse("value", self.value)
        return self


class ClientBillingAction(StrEnum):
    show = "sh"
    offer = "of"  # choose a package to send
    send = "sd"  # value: package id


class ClientBillingCb(Callback, prefix="cb"):
    client_id: int
    action: ClientBillingAction = ClientBillingAction.show
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_action(self) -> Self:
        if self.action is ClientBillingAction.send and not is_number(self.value):
            raise _refuse("value", self.value)
        return self


CONFIRMED = "yes"  # SubscriptionCb's value: cancelling now is confirmed


class SubscriptionCb(Callback, prefix="sb"):
    """A coach's change to a subscription; `value` confirms (cancel now) or names the new
    package (change plan)."""

    subscription_id: int
    change: str
    value: str = ""

    @model_validator(mode="after")
    def _value_is_a_confirmation_or_a_package(self) -> Self:
        if self.value not in ("", CONFIRMED) and not is_number(self.value):
            raise _refuse("value", self.value)
        return self


class PaymentAction(StrEnum):
    show = "sh"
    refund_all = "ra"
    refund_part = "rp"


class PaymentCb(Callback, prefix="py"):
    payment_id: int
    action: PaymentAction = PaymentAction.show


class RefundCb(Callback, prefix="rf"):
    refund_id: int
    confirm: bool


class BuyCb(Callback, prefix="by"):
    """The client opens checkout for a package their coach sent."""

    checkout_id: int


class PortalCb(Callback, prefix="po"):
    client_id: int


class RenewCb(Callback, prefix="rn"):
    """The client renews the plan they cancelled, before it ends."""

    client_id: int


class MyBillingCb(Callback, prefix="mb"):
    """The client's /billing, from a button."""


# -- progress: metrics, charts, goals, reports -------------------------------------------
# Metric keys travel as tokens: "weight", or "c12" for the custom metric "custom:12"
# (callback data cannot hold ':').


def metric_token(key: str) -> str:
    return "c" + key.removeprefix("custom:") if key.startswith("custom:") else key


def metric_key(token: str) -> str:
    return f"custom:{token[1:]}" if token[:1] == "c" and token[1:].isdigit() else token


class LogAction(StrEnum):
    pick = "pk"  # log this metric (value: its token)
    recent = "rc"  # the latest entries, to correct one
    entry = "en"  # one entry: change or delete
    change = "ch"
    delete = "dl"
    confirm_delete = "cd"


class LogCb(Callback, prefix="lg"):
    action: LogAction
    metric: str = ""
    entry_id: int = 0


class ProgressCb(Callback, prefix="pg"):
    """A chart (view: a metric token or "panel"), for a client of the coach's or, with
    client_id 0, for oneself."""

    view: str
    client_id: int = 0


class PhotoAction(StrEnum):
    compare = "cp"  # first against latest, or the two chosen
    choose = "ch"  # list the check-ins with photos to choose the earlier one
    before = "bf"  # the earlier one chosen: choose the later one


class PhotoCb(Callback, prefix="ph"):
    action: PhotoAction
    client_id: int = 0
    before: int = 0
    after: int = 0


class GoalAction(StrEnum):
    list = "ls"
    propose = "pp"  # the client proposes a change
    milestones = "ms"
    suggest = "sg"  # milestones back to the suggestion
    edit = "ed"  # the coach changes target or date
    close = "cl"
    new = "nw"  # the coach adds a goal


class GoalCb(Callback, prefix="gl"):
    action: GoalAction
    goal_id: int = 0
    client_id: int = 0


class GoalChangeAction(StrEnum):
    approve = "ok"
    edit = "ed"
    decline = "no"


class GoalChangeCb(Callback, prefix="gc"):
    action: GoalChangeAction
    change_id: int


class NewGoalCb(Callback, prefix="ng"):
    """A step of the coach's new-goal conversation: field and chosen value."""

    field: str
    value: str = ""

    @model_validator(mode="after")
    def _value_fits_the_field(self) -> Self:
        if self.field == "category" and self.value not in set(GoalCategory):
            raise _refuse("value", self.value)
        return self


class ReportAction(StrEnum):
    menu = "mn"
    pdf = "pdf"
    monthly_on = "on"
    monthly_off = "off"
    export = "zip"
    csv = "csv"
    achievements = "ac"


class ReportCb(Callback, prefix="rp"):
    action: ReportAction
    client_id: int = 0


class CustomMetricAction(StrEnum):
    new = "nw"  # for all the coach's clients, or (client_id) for one
    archive = "ar"


class CustomMetricCb(Callback, prefix="cm"):
    action: CustomMetricAction
    metric_id: int = 0
    client_id: int = 0
