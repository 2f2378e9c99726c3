"""Tasks and reviews: what is due, what is overdue. Pure: `today` is always an argument."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

DUE_SOON_DAYS = 14  # a review is "due" from two weeks before its date


class TaskState(StrEnum):
    OPEN = "open"
    DUE_TODAY = "due_today"
    OVERDUE = "overdue"
    DONE = "done"

    @property
    def label(self) -> str:
        return {"open": "Open", "due_today": "Due today", "overdue": "Overdue", "done": "Done"}[self.value]

    @property
    def tag(self) -> str:
        return {"open": "nhsuk-tag--blue", "due_today": "nhsuk-tag--orange", "overdue": "nhsuk-tag--red",
                "done": "nhsuk-tag--grey"}[self.value]


def task_state(due_on: dt.date | None, done_at, today: dt.date) -> TaskState:
    if done_at is not None:
        return TaskState.DONE
    if due_on is None or due_on > today:
        return TaskState.OPEN
    return TaskState.DUE_TODAY if due_on == today else TaskState.OVERDUE


class ReviewState(StrEnum):
    SCHEDULED = "scheduled"
    DUE = "due"
    OVERDUE = "overdue"
    COMPLETED = "completed"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def tag(self) -> str:
        return {"scheduled": "nhsuk-tag--blue", "due": "nhsuk-tag--orange", "overdue": "nhsuk-tag--red",
                "completed": "nhsuk-tag--grey"}[self.value]


def review_state(due_on: dt.date, completed_on: dt.date | None, today: dt.date) -> ReviewState:
    """Completed once done; overdue after its date; due within DUE_SOON_DAYS of it; scheduled before that."""
    if completed_on is not None:
        return ReviewState.COMPLETED
    if today > due_on:
        return ReviewState.OVERDUE
    if (due_on - today).days <= DUE_SOON_DAYS:
        return ReviewState.DUE
    return ReviewState.SCHEDULED


def review_problems(due_on: dt.date | None, completed_on: dt.date | None, today: dt.date) -> list[tuple[str, str]]:
    problems = []
    if due_on is None:
        problems.append(("due_on", "Enter the date the review is due"))
    if completed_on is not None and completed_on > today:
        problems.append(("completed_on", "The review cannot be completed on a date in the future"))
    return problems
