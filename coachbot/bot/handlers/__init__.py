"""The ordered routers. Cancel first (it must win in any state), catch-all last."""

from aiogram import Router

from coachbot.bot.conversations import base, invite_coach
from coachbot.bot.handlers import (
    coach,
    common,
    errors,
    fallback,
    invitations,
    membership,
    start,
)


def feature_routers() -> tuple[Router, ...]:
    return (
        errors.router,
        base.router,
        membership.router,
        start.router,
        common.router,
        coach.router,
        invitations.router,
        invite_coach.router,
        fallback.router,
    )
