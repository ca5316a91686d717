"""The goals conversations' states and their data. The StatesGroup names are stored with
the state (e.g. `GoalForm:target`): keep them."""

from __future__ import annotations

from typing import TypedDict

from aiogram.fsm.state import State, StatesGroup


class GoalForm(StatesGroup):
    target = State()
    date = State()
    reason = State()
    milestones = State()


class NewGoalForm(StatesGroup):
    category = State()
    metric = State()
    target = State()
    date = State()
    description = State()


class GoalData(TypedDict, total=False):
    mode: str  # propose (client), edit (coach), decide (coach adjusts a proposal), new
    goal_id: int
    change_id: int
    client_id: int
    category: str
    metric: str
    target: str
    target_date: str
    description: str
