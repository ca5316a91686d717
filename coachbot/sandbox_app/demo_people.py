"""The demo's people and their story: four clients, how they answer (weights, wins,
struggles, energy, sleep) and what Coach Anna tells them back."""

from __future__ import annotations

import random
from dataclasses import dataclass

from coachbot.sandbox_app.seed import Person

HISTORY_WEEKS = 6
WAITING_WEEKS = 2  # the newest weeks stay in the coach's review queue
TEMPLATE_NAME = "Weekly check-in"


class Skip:
    """Skip an optional question."""


SKIP = Skip()


@dataclass(frozen=True)
class Photos:
    images: tuple[bytes, ...]


Answer = str | list[str] | Skip | Photos


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
