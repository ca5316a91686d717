"""CallbackData factories: short unique prefixes, only ids and enums as fields."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class MenuAction(StrEnum):
    clients = "cl"
    add_client = "ac"
    invite_coach = "ic"
    invitations = "iv"
    review = "rq"
    templates = "tp"
    checkin_rules = "cr"
    billing = "bl"


class MenuCb(CallbackData, prefix="m"):
    action: MenuAction


class InviteValidityCb(CallbackData, prefix="iv"):
    days: int


class InvitationAction(StrEnum):
    revoke = "rv"


class InvitationCb(CallbackData, prefix="inv"):
    action: InvitationAction
    invitation_id: int


class CancelCb(CallbackData, prefix="x"):
    pass


class SkipCb(CallbackData, prefix="sk"):
    """Skip an optional step of a conversation."""


class ClientLinkAction(StrEnum):
    revoke = "rv"
    renew = "nw"


class ClientLinkCb(CallbackData, prefix="cl"):
    action: ClientLinkAction
    client_id: int


class ConsentCb(CallbackData, prefix="cs"):
    accept: bool


class FormAction(StrEnum):
    pick = "p"  # a single choice, a scale value, yes or no
    toggle = "t"  # tick or untick one option of a multi choice
    done = "d"  # the multi choice is complete
    photos_done = "ph"  # the photos sent so far are the answer
    skip = "s"
    back = "b"


class FormCb(CallbackData, prefix="f"):
    response_id: int
    action: FormAction
    value: str = ""


class ClientListCb(CallbackData, prefix="ls"):
    page: int = 0
    status: str = ""  # "" for every status
    search: bool = False  # keep the search the coach typed last


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


class ClientCardCb(CallbackData, prefix="cc"):
    client_id: int
    action: ClientAction = ClientAction.show


class ClientSearchCb(CallbackData, prefix="lq"):
    pass


class ProfileCb(CallbackData, prefix="pf"):
    """Change one profile field; with a value, the option chosen for it."""

    field: str
    value: str = ""


class CheckinCb(CallbackData, prefix="ck"):
    """Start (or continue) one's check-in."""

    checkin_id: int


class ReviewAction(StrEnum):
    show = "sh"
    next = "nx"
    reply = "rp"
    reviewed = "ok"
    skip = "sk"


class ReviewCb(CallbackData, prefix="rv"):
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


class PlanCb(CallbackData, prefix="pl"):
    client_id: int
    action: PlanAction
    value: str = ""


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


class TemplateCb(CallbackData, prefix="tp"):
    template_id: int
    action: TemplateAction
    value: str = ""


class RulesCb(CallbackData, prefix="ru"):
    """Change one of the coach's follow-up rules (field: nudge, grace, alert)."""

    field: str


class FeedbackCb(CallbackData, prefix="fb"):
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


class BillingCb(CallbackData, prefix="bl"):
    action: BillingAction
    value: str = ""


class PackageAction(StrEnum):
    show = "sh"
    name = "nm"
    description = "ds"
    price = "pr"
    link = "lk"
    archive = "ar"


class PackageCb(CallbackData, prefix="pk"):
    package_id: int
    action: PackageAction = PackageAction.show


class PackageSetupCb(CallbackData, prefix="ps"):
    """A choice while creating a package (field: currency, interval, trial, create)."""

    field: str
    value: str = ""


class ClientBillingAction(StrEnum):
    show = "sh"
    offer = "of"  # choose a package to send
    send = "sd"  # value: package id
    payments = "py"


class ClientBillingCb(CallbackData, prefix="cb"):
    client_id: int
    action: ClientBillingAction = ClientBillingAction.show
    value: str = ""


class SubscriptionCb(CallbackData, prefix="sb"):
    """A coach's change to a subscription; `value` confirms (cancel now) or names the new
    package (change plan)."""

    subscription_id: int
    change: str
    value: str = ""


class PaymentAction(StrEnum):
    show = "sh"
    refund_all = "ra"
    refund_part = "rp"


class PaymentCb(CallbackData, prefix="py"):
    payment_id: int
    action: PaymentAction = PaymentAction.show


class RefundCb(CallbackData, prefix="rf"):
    refund_id: int
    confirm: bool


class BuyCb(CallbackData, prefix="by"):
    """The client opens checkout for a package their coach sent."""

    checkout_id: int


class PortalCb(CallbackData, prefix="po"):
    client_id: int


class MyBillingCb(CallbackData, prefix="mb"):
    """The client's /billing, from a button."""
