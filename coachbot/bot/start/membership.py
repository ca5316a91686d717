"""Telegram tells the bot when a user blocks or unblocks it (my_chat_member)."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import KICKED, MEMBER, ChatMemberUpdatedFilter
from aiogram.types import ChatMemberUpdated

from coachbot.domain.people.reachability import RecordReachability
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.my_chat_member.filter(F.chat.type == "private")


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=KICKED))
async def user_blocked_the_bot(event: ChatMemberUpdated, uc: UseCases) -> None:
    await uc.people.record_reachability(
        RecordReachability(telegram_chat_id=event.chat.id, reachable=False)
    )


@router.my_chat_member(ChatMemberUpdatedFilter(member_status_changed=MEMBER))
async def user_unblocked_the_bot(event: ChatMemberUpdated, uc: UseCases) -> None:
    await uc.people.record_reachability(
        RecordReachability(telegram_chat_id=event.chat.id, reachable=True)
    )
