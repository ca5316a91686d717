"""Payments and refunds from a client's payment history: a payment's card, refund all
or part (the coach types the amount), then a confirmation step."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.callback_answer import CallbackAnswer
from aiogram.utils.keyboard import InlineKeyboardBuilder

from coachbot.bot import keyboards
from coachbot.bot.billing.keyboards import confirm_keyboard
from coachbot.bot.billing.package_setup import refusal
from coachbot.bot.billing.texts import money, payment_line, render_draft
from coachbot.bot.callbacks import PaymentAction, PaymentCb, RefundCb
from coachbot.bot.filters import IsCoach
from coachbot.bot.i18n import gettext as _
from coachbot.bot.markup import bold, escape, fmt, stack
from coachbot.bot.replies import answer_query
from coachbot.domain.billing.admin import DecideRefund, PaymentRef, PrepareRefund
from coachbot.domain.billing.model import RefundStatus
from coachbot.domain.people.identity import Identity
from coachbot.domain.shared.errors import InvalidDetailError
from coachbot.domain.use_cases import UseCases

router = Router(name=__name__)
router.message.filter(IsCoach())
router.callback_query.filter(IsCoach())


class RefundForm(StatesGroup):
    amount = State()


@router.callback_query(PaymentCb.filter(F.action == PaymentAction.show))
async def show_payment(
    query: CallbackQuery,
    callback_data: PaymentCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    view = await uc.billing.show_payment(
        PaymentRef(coach_id=identity.coach_id, payment_id=callback_data.payment_id)
    )
    payment, viewer = view.payment, identity.user
    locale = viewer.language
    lines = [payment_line(payment, viewer)]
    if view.client is not None:
        lines.insert(0, bold(view.client.display_name))
    elif payment.customer_email:
        lines.insert(0, escape(payment.customer_email))
    if payment.refunded_amount:
        lines.append(
            fmt(
                _("Refunded: {amount}"),
                amount=money(payment.refunded_amount, payment.currency, locale),
            )
        )
    builder = InlineKeyboardBuilder()
    if payment.hosted_invoice_url:
        builder.button(text=_("🧾 Invoice"), url=payment.hosted_invoice_url)
    if payment.invoice_pdf_url:
        builder.button(text=_("📄 PDF"), url=payment.invoice_pdf_url)
    if payment.refundable > 0:
        builder.button(
            text=_("↩️ Refund all"),
            callback_data=PaymentCb(payment_id=payment.id or 0, action=PaymentAction.refund_all),
        )
        builder.button(
            text=_("↩️ Refund part"),
            callback_data=PaymentCb(payment_id=payment.id or 0, action=PaymentAction.refund_part),
        )
    builder.adjust(2)
    await answer_query(query, stack(lines), builder.as_markup())


@router.callback_query(PaymentCb.filter(F.action == PaymentAction.refund_all))
async def refund_all(
    query: CallbackQuery,
    callback_data: PaymentCb,
    identity: Identity,
    uc: UseCases,
) -> None:
    draft = await uc.billing.prepare_refund(
        PrepareRefund(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            payment_id=callback_data.payment_id,
        )
    )
    await answer_query(query, render_draft(draft, identity.user), confirm_keyboard(draft))


@router.callback_query(PaymentCb.filter(F.action == PaymentAction.refund_part))
async def ask_refund_amount(
    query: CallbackQuery,
    callback_data: PaymentCb,
    identity: Identity,
    uc: UseCases,
    state: FSMContext,
) -> None:
    view = await uc.billing.show_payment(
        PaymentRef(coach_id=identity.coach_id, payment_id=callback_data.payment_id)
    )
    await state.set_state(RefundForm.amount)
    await state.update_data(payment_id=view.payment.id)
    left = money(view.payment.refundable, view.payment.currency, identity.user.language)
    await answer_query(
        query,
        fmt(_("How much should be refunded? Up to {amount}."), amount=left),
        keyboards.cancel_only(),
    )


@router.message(RefundForm.amount, F.text)
async def refund_amount_typed(
    message: Message, identity: Identity, uc: UseCases, state: FSMContext
) -> None:
    payment_id = (await state.get_data())["payment_id"]
    try:
        draft = await uc.billing.prepare_refund(
            PrepareRefund(
                coach_id=identity.coach_id,
                actor_user_id=identity.user_id,
                payment_id=payment_id,
                amount=message.text or "",
                locale=identity.user.language,
            )
        )
    except InvalidDetailError as error:
        await message.answer(refusal(error))
        return
    await state.clear()
    await message.answer(render_draft(draft, identity.user), reply_markup=confirm_keyboard(draft))


@router.callback_query(RefundCb.filter())
async def decide_refund(
    query: CallbackQuery,
    callback_data: RefundCb,
    identity: Identity,
    uc: UseCases,
    callback_answer: CallbackAnswer,
) -> None:
    draft = await uc.billing.decide_refund(
        DecideRefund(
            coach_id=identity.coach_id,
            actor_user_id=identity.user_id,
            refund_id=callback_data.refund_id,
            confirm=callback_data.confirm,
        )
    )
    amount = money(draft.refund.amount, draft.refund.currency, identity.user.language)
    if draft.refund.status is RefundStatus.succeeded:
        text: str = fmt(_("Refunded {amount} ✅ The client was told."), amount=amount)
    else:
        text = _("Refund cancelled. Nothing was refunded.")
    if not draft.decided_now:  # a second press: the message already says so
        callback_answer.text = text
    elif isinstance(query.message, Message):
        await query.message.edit_text(text)
