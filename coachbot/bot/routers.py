"""The ordered routers. Cancel first (it must win in any state), catch-all last."""

from aiogram import Router

from coachbot.bot import cancel as base
from coachbot.bot import errors
from coachbot.bot.billing import client as billing_client
from coachbot.bot.billing import coach as billing
from coachbot.bot.billing import package_setup, refund
from coachbot.bot.checkin_setup import conversation as checkin_template
from coachbot.bot.checkin_setup import plans as checkin_plans
from coachbot.bot.checkin_setup import rules as checkin_rules
from coachbot.bot.checkin_setup import templates as checkin_templates
from coachbot.bot.checkins import conversation as checkin
from coachbot.bot.checkins import review
from coachbot.bot.clients import add_client, intake
from coachbot.bot.clients import handlers as coach
from coachbot.bot.clients import links as client_links
from coachbot.bot.forms import conversation as form
from coachbot.bot.goals import changes as goal_changes
from coachbot.bot.goals import conversation as new_goal
from coachbot.bot.goals import handlers as goals
from coachbot.bot.invitations import conversation as invite_coach
from coachbot.bot.invitations import handlers as invitations
from coachbot.bot.onboarding import conversation as onboarding
from coachbot.bot.profile import handlers as profile
from coachbot.bot.progress import custom_metric, log_metric
from coachbot.bot.progress import handlers as progress
from coachbot.bot.progress import reports as progress_reports
from coachbot.bot.start import fallback, membership
from coachbot.bot.start import handlers as start
from coachbot.bot.start import help as common


def feature_routers() -> tuple[Router, ...]:
    return (
        errors.router,
        base.router,
        membership.router,
        start.router,
        common.router,
        profile.router,
        coach.router,
        intake.router,
        checkin_plans.router,
        checkin_templates.router,
        checkin_rules.router,
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
        goal_changes.router,
        new_goal.router,
        custom_metric.router,
        progress.router,
        progress_reports.router,
        form.router,
        billing_client.router,
        billing.router,
        refund.router,
        package_setup.router,
        fallback.router,
    )
