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

import io
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from PIL import Image, ImageDraw, ImageFont

from coachbot.application import BotApplication
from coachbot.bot.legal import CURRENT_VERSION, LEGAL_DOCUMENTS
from coachbot.domain.checkins.flow import (
    StartCheckin,
    StartCheckinUseCase,
    SubmitCheckin,
    SubmitCheckinUseCase,
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
from coachbot.domain.checkins.ticks import OpenDueCheckinsUseCase
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
from coachbot.sandbox_app.seed import HistoryClock, Person, SeededPerson, Seeding
from coachbot.storage.keys import create_blob_store
from coachbot.storage.uow import SqlUnitOfWork

HISTORY_WEEKS = 6
WAITING_WEEKS = 2  # the newest weeks stay in the coach's review queue
TEMPLATE_NAME = "Weekly check-in"


class _Skip:
    """Skip an optional question."""


SKIP = _Skip()


@dataclass(frozen=True)
class Photos:
    images: tuple[bytes, ...]


Answer = str | list[str] | _Skip | Photos


@dataclass(frozen=True)
class Trend:
    start: float
    end: float

    def at(self, week: int, rng: random.Random, spread: float) -> float:
        share = week / max(1, HISTORY_WEEKS - 1)
        return self.start + (self.end - self.start) * share + rng.uniform(-spread, spread)


@dataclass(frozen=True)
class DemoClient:
    person: Person
    timezone: str
    sex: str
    born: str
    height_cm: int
    weight: Trend
    waist: Trend
    body_fat: Trend
    goal: dict[str, Answer]
    missed_weeks: frozenset[int] = frozenset()
    photos: bool = False
    tags: tuple[str, ...] = ()

    def profile(self) -> dict[str, Answer]:
        return {
            "preferred_name": self.person.first_name,
            "date_of_birth": self.born,
            "sex": [self.sex],
            "units": ["metric"],
            "height": str(self.height_cm),
            "timezone": self.timezone,
            "language": [self.person.language],
        }

    def assessment(self) -> dict[str, Answer]:
        return {
            "weight": f"{self.weight.start:.1f}",
            "waist": f"{self.waist.start:.0f}",
            "body_fat": f"{self.body_fat.start:.1f}",
            "activity": ["light"],
            "training_days": "3",
            "sleep_hours": "6.5",
            "stress": ["6"],
            "focus": ["fat_loss", "fitness"],
            "injuries": ["no"],
            "motivation": ["9"],
            "notes": SKIP,
        }


_NO = ["no"]
HEALTH_SCREEN: dict[str, Answer] = {
    key: _NO
    for key in (
        "heart",
        "chest_pain",
        "dizziness",
        "chronic_condition",
        "medication",
        "joints",
        "supervised_only",
    )
}
# No quiet hours (equal bounds): the demo's messages arrive whenever it is tried.
REMINDERS: dict[str, Answer] = {
    "reminder_time": "07:30",
    "quiet_start": "00:00",
    "quiet_end": "00:00",
}

CLIENTS = (
    DemoClient(
        Person(3001, "Dana", "Weiss", email="dana@example.org"),
        timezone="Europe/Berlin",
        sex="female",
        born="1988-05-14",
        height_cm=168,
        weight=Trend(78.4, 74.1),
        waist=Trend(88, 83),
        body_fat=Trend(31.5, 29.0),
        goal={"category": ["weight"], "target_weight": "70"},
        photos=True,
        tags=("online", "spring"),
    ),
    DemoClient(
        Person(3002, "Eli", "Novak", email="eli@example.org"),
        timezone="Europe/London",
        sex="male",
        born="1979-11-02",
        height_cm=183,
        weight=Trend(96.2, 92.0),
        waist=Trend(104, 99),
        body_fat=Trend(27.0, 24.5),
        goal={"category": ["weight"], "target_weight": "88"},
        missed_weeks=frozenset({3}),
        tags=("in-person",),
    ),
    DemoClient(
        Person(3003, "Farah", "Haddad", email="farah@example.org"),
        timezone="America/New_York",
        sex="female",
        born="1995-02-27",
        height_cm=161,
        weight=Trend(63.0, 61.4),
        waist=Trend(74, 70),
        body_fat=Trend(26.0, 23.8),
        goal={"category": ["body"], "target_waist": "68"},
        photos=True,
        tags=("online",),
    ),
    DemoClient(
        Person(3004, "Greta", "Vogel", language="de", email="greta@example.org"),
        timezone="Europe/Berlin",
        sex="female",
        born="1970-08-19",
        height_cm=172,
        weight=Trend(84.0, 81.2),
        waist=Trend(95, 91),
        body_fat=Trend(36.0, 34.1),
        goal={"category": ["habit"], "description": "Dreimal pro Woche spazieren gehen"},
        missed_weeks=frozenset({1, 4}),
        tags=("online",),
    ),
)

WINS = {
    "en": (
        "Hit all my workouts and cooked at home most days.",
        "Slept better after cutting the late coffee.",
        "Walked to work three times.",
        "Stayed on plan at a birthday party.",
        "New best on the rowing machine.",
        "Meal prep on Sunday made the week easy.",
    ),
    "de": (
        "Alle Einheiten geschafft und meistens selbst gekocht.",
        "Besser geschlafen ohne den späten Kaffee.",
        "Dreimal zu Fuß zur Arbeit.",
        "Auf der Geburtstagsfeier beim Plan geblieben.",
        "Neue Bestzeit auf dem Rudergerät.",
        "Das Vorkochen am Sonntag hat die Woche leicht gemacht.",
    ),
}
STRUGGLES = {
    "en": ("Late snacking after work.", "Busy week, hard to fit in training."),
    "de": ("Abends nach der Arbeit genascht.", "Volle Woche, Training schwer unterzubringen."),
}
FEEDBACK = (
    "Great week! Keep the protein up and the steps coming.",
    "Nice progress on the waist. Let's add one more walk next week.",
    "Solid. For the late snacks: try a planned evening snack instead of fighting it.",
)
ENERGY = ("6", "7", "7", "8", "7", "8")
SLEEP = ("6.5", "7", "7.5", "7", "7.5", "8")
ADHERENCE = ("most", "most", "all", "some", "most", "all")


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
            step = await self._fill(user_id, position.step, lambda q, s=stage: _given(s, q))
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
            elif isinstance(value, _Skip):
                step = await self._move(user_id, step.response_id, "skip")
            elif isinstance(value, list):
                step = await AnswerFormUseCase(self.uow(), self.clock)(
                    AnswerForm(user_id=user_id, response_id=step.response_id, choices=value)
                )
            else:
                step = await AnswerFormUseCase(self.uow(), self.clock)(
                    AnswerForm(user_id=user_id, response_id=step.response_id, text=value)
                )
        return step

    async def _send_photos(
        self, user_id: int, response_id: int, images: Sequence[bytes]
    ) -> FormStep:
        add = AddFormPhotoUseCase(self.uow(), self.clock, self.photos, self.blobs)
        step = None
        for image in images:
            step = await add(AddFormPhoto(user_id=user_id, response_id=response_id, data=image))
        assert step is not None
        return step

    async def _move(self, user_id: int, response_id: int, action: str) -> FormStep:
        return await MoveInFormUseCase(self.uow(), self.clock)(
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

    async def cancel(self, idempotency_key: str) -> bool:
        return False

    async def set_reachable(self, *args: Any, **kwargs: Any) -> None:
        return None


class HistoryUnitOfWork(SqlUnitOfWork):
    """A unit of work for writing the past: everything is stored except the outbox
    messages, which would otherwise all be sent now."""

    async def __aenter__(self) -> HistoryUnitOfWork:
        await super().__aenter__()
        self.outbox = _DeliveredThen()  # type: ignore[assignment]
        return self


# ---------------------------------------------------------------------- progress photos

POSES = ("front", "side", "back")


def progress_photos(demo: DemoClient, week: int) -> tuple[bytes, ...]:
    """Front, side and back: a figure that slims a little week by week."""
    slimming = 1.0 - 0.12 * week / max(1, HISTORY_WEEKS - 1)
    return tuple(
        _figure(demo.person.telegram_id, pose, slimming, f"Week {week + 1} · {pose}")
        for pose in POSES
    )


def _figure(seed: int, pose: str, slimming: float, label: str) -> bytes:
    rng = random.Random(seed)
    width, height = 600, 800
    image = Image.new("RGB", (width, height), (232, 226, 214))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 640, width, height), fill=(196, 180, 156))  # floor
    draw.rectangle((40, 40, 200, 420), fill=(214, 206, 192))  # a door behind
    skin = (224, 172, 140) if seed % 2 else (176, 124, 96)
    cloth = (rng.randrange(40, 90), rng.randrange(80, 140), rng.randrange(140, 200))
    center = width // 2
    body = int((150 if pose != "side" else 95) * slimming)
    hips = int((135 if pose != "side" else 100) * slimming)
    draw.ellipse((center - 45, 110, center + 45, 210), fill=skin)  # head
    draw.rectangle((center - 18, 200, center + 18, 235), fill=skin)  # neck
    draw.rounded_rectangle((center - body // 2, 230, center + body // 2, 470), 40, fill=cloth)
    draw.rounded_rectangle(
        (center - hips // 2, 440, center + hips // 2, 520), 30, fill=(60, 60, 70)
    )
    for side in (-1, 1):  # legs
        x = center + side * hips // 4
        draw.rounded_rectangle((x - 24, 500, x + 24, 690), 18, fill=skin)
        if pose != "side":  # arms
            ax = center + side * (body // 2 + 18)
            draw.rounded_rectangle((ax - 16, 240, ax + 16, 450), 14, fill=skin)
    if pose == "back":
        draw.rectangle((center - 45, 110, center + 45, 175), fill=(70, 50, 40))  # hair
    draw.text((24, height - 56), label, fill=(60, 60, 60), font=ImageFont.load_default(28))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85)
    return out.getvalue()
