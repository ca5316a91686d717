"""The ordered routers. Cancel first (it must win in any state), catch-all last."""

from aiogram import Router

from coachbot.bot.conversations import (
    add_client,
    base,
    checkin,
    checkin_template,
    custom_metric,
    form,
    goals,
    invite_coach,
    log_metric,
    onboarding,
    package_setup,
)
from coachbot.bot.handlers import (
    billing,
    billing_client,
    checkin_plans,
    checkin_templates,
    client_links,
    coach,
    common,
    errors,
    fallback,
    invitations,
    membership,
    profile,
    progress,
    review,
    start,
)


def feature_routers() -> tuple[Router, ...]:
    return (
        errors.router,
        base.router,
        membership.router,
        start.router,
        common.router,
        profile.router,
        coach.router,
        checkin_plans.router,
        checkin_templates.router,
        checkin_template.router,
        invitations.router,
        invite_coach.router,
        add_client.router,
        client_links.router,
        onboarding.router,
        checkin.router,
        review.router,
        log_metric.router,
        goals.router,
        custom_metric.router,
        progress.router,
        form.router,
        billing_client.router,
        billing.router,
        package_setup.router,
        fallback.router,
    )
