"""`coachbot sandbox --demo`: Coach Anna's practice with a few weeks of history.

Four clients are replayed from their invitation to today through the bot's own use cases,
on a clock that walks through the past: each accepted the link, agreed to the privacy
policy and terms, filled in the onboarding forms, and has answered a weekly check-in
(weight, waist, body fat, energy, sleep, progress photos drawn here with Pillow) for six
weeks, with one week missed here and there. Anna reviewed and answered the older ones;
the last two weeks wait in her review queue. The notices of that history (new check-in,
client joined, feedback) were delivered back then, so they are not sent again; this
week's check-in opens when the sandbox starts, and its message arrives as usual.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from datetime import timedelta
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from coachbot.application import BotApplication
from coachbot.bot.legal import CURRENT_VERSION, LEGAL_DOCUMENTS
from coachbot.domain.checkins.flow import (
    StartCheckin,
    StartCheckinUseCase,
)
from coachbot.domain.checkins.model import ThreadKind
from coachbot.domain.checkins.review import (
    FinishReview,
    FinishReviewUseCase,
    ReplyToCheckin,
    ReplyToCheckinUseCase,
)
from coachbot.domain.checkins.setup import (
    EditCheckinTemplate,
    EditCheckinTemplateUseCase,
    ListCheckinTemplates,
    ListCheckinTemplatesUseCase,
    SetCheckinPlan,
    SetCheckinPlanUseCase,
    ShowCheckinPlan,
    ShowCheckinPlanUseCase,
    TemplateEdit,
)
from coachbot.domain.checkins.submission import SubmitCheckin, SubmitCheckinUseCase
from coachbot.domain.checkins.ticks import OpenDueCheckinsUseCase
from coachbot.domain.forms.completion import BY_HAND
from coachbot.domain.forms.questions import Question, QuestionKind
from coachbot.domain.forms.units import PLAUSIBLE_RANGES, Metric
from coachbot.domain.forms.use_cases import (
    AddFormPhoto,
    AddFormPhotoUseCase,
    AnswerForm,
    AnswerFormUseCase,
    FormStep,
    MoveInForm,
    MoveInFormUseCase,
)
from coachbot.domain.invitations.use_cases import AcceptInvitation, AcceptInvitationUseCase
from coachbot.domain.onboarding.use_cases import (
    ApplyStage,
    ApplyStageUseCase,
    FinishOnboarding,
    FinishOnboardingUseCase,
    RecordConsent,
    RecordConsentUseCase,
    ResumeOnboarding,
    ResumeOnboardingUseCase,
)
from coachbot.domain.outbox.model import OutgoingMessage
from coachbot.domain.people.identity import Identity
from coachbot.reports.photos import PillowPhotoProcessor
from coachbot.sandbox_app.demo_people import (
    ADHERENCE,
    CLIENTS,
    ENERGY,
    FEEDBACK,
    HEALTH_SCREEN,
    HISTORY_WEEKS,
    REMINDERS,
    SKIP,
    SLEEP,
    STRUGGLES,
    TEMPLATE_NAME,
    WAITING_WEEKS,
    WINS,
    Answer,
    DemoClient,
    Photos,
    Skip,
)
from coachbot.sandbox_app.demo_photos import progress_photos
from coachbot.sandbox_app.seed import HistoryClock, SeededPerson, Seeding
from coachbot.storage.keys import create_blob_store
from coachbot.storage.uow import SqlUnitOfWork


async def seed_demo(application: BotApplication, coach: Identity) -> list[SeededPerson]:
    """Replay the clients' history up to now; returns them for the web chat."""
    history = _History(application, coach)
    return await history.replay()


class _History:
    def __init__(self, application: BotApplication, coach: Identity) -> None:
        self.now = application.clock.now()
        self.clock = HistoryClock(self.now - timedelta(weeks=HISTORY_WEEKS, days=3))
        self.seeding = Seeding(application, self.clock, HistoryUnitOfWork)
        self.application = application
        self.coach = coach
        self.blobs = create_blob_store(application.settings)
        self.photos = PillowPhotoProcessor(max_bytes=application.settings.photo_max_bytes)
        self.clients: dict[int, int] = {}  # telegram id -> client id
        self.users: dict[int, int] = {}  # telegram id -> user id

    def uow(self) -> SqlUnitOfWork:
        return self.seeding.uow()

    async def replay(self) -> list[SeededPerson]:
        template_id = await self._template()
        for demo in CLIENTS:
            await self._onboard(demo)
            await self._schedule(demo, template_id)
            self.clock.advance(hours=3)
        for week in range(HISTORY_WEEKS):
            await self._week(week)
        # This week's check-ins open now, with their messages (not part of the history).
        await OpenDueCheckinsUseCase(
            SqlUnitOfWork(self.application.session_factory), self.application.clock
        )()
        now = Seeding(self.application, self.application.clock)
        return [
            SeededPerson(
                d.person, "client · demo", started=True, identity=await now.identify(d.person)
            )
            for d in CLIENTS
        ]

    async def _template(self) -> int:
        """Anna's weekly check-in, with a body fat question added after the waist."""
        views = await ListCheckinTemplatesUseCase(self.uow(), self.clock)(
            ListCheckinTemplates(coach_id=self.coach.coach_id, default_name=TEMPLATE_NAME)
        )
        template_id = views[0].template.id or 0
        edit = EditCheckinTemplateUseCase(self.uow(), self.clock)
        low, high = PLAUSIBLE_RANGES[Metric.body_fat]
        body_fat = Question(
            key="body_fat",
            kind=QuestionKind.metric,
            metric=Metric.body_fat,
            prompt={"en": "Your body fat percentage, if you measured it?"},
            optional=True,
            minimum=low,
            maximum=high,
        )
        view = await edit(
            EditCheckinTemplate(
                coach_id=self.coach.coach_id,
                template_id=template_id,
                action=TemplateEdit.add,
                question=body_fat,
            )
        )
        key = view.form.questions[-1].key
        while [q.key for q in view.form.questions].index(key) > 2:
            view = await edit(
                EditCheckinTemplate(
                    coach_id=self.coach.coach_id,
                    template_id=template_id,
                    action=TemplateEdit.up,
                    question_key=key,
                )
            )
        return template_id

    async def _onboard(self, demo: DemoClient) -> None:
        person = demo.person
        token = await self.seeding.invite(self.coach, person, tags=demo.tags)
        self.clock.advance(hours=2)
        identity = await self.seeding.identify(person)
        user_id = identity.user_id
        accepted = await AcceptInvitationUseCase(self.uow(), self.clock)(
            AcceptInvitation(user_id=user_id, token=token)
        )
        assert accepted.client_id is not None
        self.clients[person.telegram_id] = accepted.client_id
        self.users[person.telegram_id] = user_id
        for document in LEGAL_DOCUMENTS:
            await RecordConsentUseCase(self.uow(), self.clock)(
                RecordConsent(user_id=user_id, document=document, version=CURRENT_VERSION)
            )
        target_date = (self.clock.now() + timedelta(weeks=20)).date().isoformat()
        answers: dict[str, dict[str, Answer]] = {
            "onboarding:profile": demo.profile(),
            "onboarding:assessment": demo.assessment(),
            "onboarding:health": HEALTH_SCREEN,
            "onboarding:goal": {**demo.goal, "target_date": target_date},
            "onboarding:reminders": REMINDERS,
        }
        done: set[str] = set()
        while True:
            position = await ResumeOnboardingUseCase(self.uow(), self.clock)(
                ResumeOnboarding(
                    user_id=user_id,
                    legal_version=CURRENT_VERSION,
                    legal_documents=LEGAL_DOCUMENTS,
                )
            )
            if position.step is None:
                break
            if position.purpose in done:
                raise RuntimeError(f"onboarding stage {position.purpose} did not complete")
            done.add(position.purpose)
            stage = answers[position.purpose]
            step = await self._fill(user_id, position.step, partial(_given, stage))
            await ApplyStageUseCase(self.uow(), self.clock)(
                ApplyStage(user_id=user_id, purpose=position.purpose, answers=step.answers)
            )
            self.clock.advance(minutes=4)
        await FinishOnboardingUseCase(self.uow(), self.clock)(FinishOnboarding(user_id=user_id))

    async def _schedule(self, demo: DemoClient, template_id: int) -> None:
        """Weekly on today's weekday, due an hour before now (local time): this week's
        check-in is due as the sandbox starts, and nudges are a day away."""
        local_now = self.now.astimezone(ZoneInfo(demo.timezone))
        due = max(local_now - timedelta(hours=1), local_now.replace(hour=0, minute=0))
        await SetCheckinPlanUseCase(self.uow(), self.clock)(
            SetCheckinPlan(
                coach_id=self.coach.coach_id,
                client_id=self.clients[demo.person.telegram_id],
                frequency="weekly",
                local_time=f"{due.hour:02d}:00",
                weekdays=(local_now.weekday(),),
                template_id=template_id,
                default_name=TEMPLATE_NAME,
            )
        )

    async def _week(self, week: int) -> None:
        """Open the week's check-ins, answer them, and review the older weeks."""
        dues = []
        for demo in CLIENTS:
            view = await ShowCheckinPlanUseCase(self.uow())(
                ShowCheckinPlan(
                    coach_id=self.coach.coach_id, client_id=self.clients[demo.person.telegram_id]
                )
            )
            assert view.plan is not None and view.plan.next_due_at is not None
            dues.append(view.plan.next_due_at)
        self.clock.set(max(dues) + timedelta(minutes=5))
        await OpenDueCheckinsUseCase(self.uow(), self.clock)()
        submitted = []
        for index, demo in enumerate(CLIENTS):
            if week in demo.missed_weeks:
                continue
            self.clock.advance(minutes=40 + 13 * index)
            submitted.append(await self._checkin(demo, week))
        self.clock.advance(hours=20)
        if week < HISTORY_WEEKS - WAITING_WEEKS:
            for number, checkin_id in enumerate(submitted):
                await self._review(checkin_id, feedback=FEEDBACK[(week + number) % 3])

    async def _checkin(self, demo: DemoClient, week: int) -> int:
        user_id = self.users[demo.person.telegram_id]
        started = await StartCheckinUseCase(self.uow(), self.clock)(StartCheckin(user_id=user_id))
        rng = random.Random(demo.person.telegram_id * 100 + week)
        language = demo.person.language
        metrics = {
            Metric.weight: f"{demo.weight.at(week, rng, 0.3):.1f}",
            Metric.waist: f"{demo.waist.at(week, rng, 0.5):.1f}",
            Metric.body_fat: f"{demo.body_fat.at(week, rng, 0.2):.1f}",
        }
        by_key: dict[str, Answer] = {
            "energy": [ENERGY[week]],
            "sleep": SLEEP[week],
            "adherence": [ADHERENCE[week]],
            "trained": ["yes" if ADHERENCE[week] != "some" else "no"],
            "wins": WINS[language][week],
            "struggles": STRUGGLES[language][week % 2] if week % 3 == 1 else SKIP,
            "photos": Photos(progress_photos(demo, week)) if demo.photos else SKIP,
        }

        def answer(question: Question) -> Answer:
            if question.kind is QuestionKind.metric and question.metric in metrics:
                return metrics[question.metric]
            return _given(by_key, question)

        step = await self._fill(user_id, started.step, answer)
        assert step.response_id is not None
        self.clock.advance(minutes=1)
        submitted = await SubmitCheckinUseCase(self.uow(), self.clock)(
            SubmitCheckin(user_id=user_id, response_id=step.response_id)
        )
        assert submitted.checkin.id is not None
        return submitted.checkin.id

    async def _review(self, checkin_id: int, *, feedback: str) -> None:
        coach = self.coach
        await ReplyToCheckinUseCase(self.uow(), self.clock)(
            ReplyToCheckin(
                coach_id=coach.coach_id,
                user_id=coach.user_id,
                checkin_id=checkin_id,
                kind=ThreadKind.text,
                text=feedback,
            )
        )
        await FinishReviewUseCase(self.uow(), self.clock)(
            FinishReview(coach_id=coach.coach_id, user_id=coach.user_id, checkin_id=checkin_id)
        )
        self.clock.advance(minutes=7)

    async def _fill(
        self, user_id: int, step: FormStep, answer: Callable[[Question], Answer]
    ) -> FormStep:
        """Answer a form question by question, as a person would in the chat."""
        while step.question is not None:
            question = step.question
            assert step.response_id is not None
            value = answer(question)
            self.clock.advance(seconds=20)
            if isinstance(value, Photos):
                step = await self._send_photos(user_id, step.response_id, value.images)
                if step.question is not None and step.question.key == question.key:
                    step = await self._move(user_id, step.response_id, "photos_done")
            elif isinstance(value, Skip):
                step = await self._move(user_id, step.response_id, "skip")
            elif isinstance(value, list):
                step = await AnswerFormUseCase(self.uow(), self.clock, BY_HAND)(
                    AnswerForm(user_id=user_id, response_id=step.response_id, choices=value)
                )
            else:
                step = await AnswerFormUseCase(self.uow(), self.clock, BY_HAND)(
                    AnswerForm(user_id=user_id, response_id=step.response_id, text=value)
                )
        return step

    async def _send_photos(
        self, user_id: int, response_id: int, images: Sequence[bytes]
    ) -> FormStep:
        add = AddFormPhotoUseCase(self.uow(), self.clock, BY_HAND, self.photos, self.blobs)
        step = None
        for image in images:
            step = await add(AddFormPhoto(user_id=user_id, response_id=response_id, data=image))
        assert step is not None
        return step

    async def _move(self, user_id: int, response_id: int, action: str) -> FormStep:
        return await MoveInFormUseCase(self.uow(), self.clock, BY_HAND)(
            MoveInForm(user_id=user_id, response_id=response_id, action=action)
        )


def _given(answers: dict[str, Answer], question: Question) -> Answer:
    if question.key in answers:
        return answers[question.key]
    if question.optional:
        return SKIP
    raise KeyError(f"the demo has no answer to the required question {question.key!r}")


class _DeliveredThen:
    """The outbox of the replayed past: its messages went out back then."""

    async def enqueue(self, message: OutgoingMessage) -> bool:
        return True

    async def enqueue_many(self, messages: Sequence[OutgoingMessage]) -> int:
        return len(messages)

    async def cancel(self, idempotency_key: str) -> bool:
        return False

    async def set_reachable(self, *args: Any, **kwargs: Any) -> None:
        return None


class HistoryUnitOfWork(SqlUnitOfWork):
    """A unit of work for writing the past: everything is stored except the outbox
    messages, which would otherwise all be sent now."""

    async def __aenter__(self) -> HistoryUnitOfWork:
        await super().__aenter__()
        self.outbox = _DeliveredThen()
        return self
