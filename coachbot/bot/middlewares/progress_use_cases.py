"""The progress use cases (metrics, goals, charts, reports, exports) for one update."""

from __future__ import annotations

from typing import Any

from coachbot.domain.checkins.ports import BlobStore
from coachbot.domain.goals.achievements import ShowAchievementsUseCase
from coachbot.domain.goals.changes import (
    DecideGoalChangeUseCase,
    EditGoalUseCase,
    ProposeGoalChangeUseCase,
)
from coachbot.domain.goals.setting import AddGoalUseCase, SetMilestonesUseCase
from coachbot.domain.goals.viewing import ShowGoalsUseCase
from coachbot.domain.progress.exports import ExportClientUseCase, ExportMetricsUseCase
from coachbot.domain.progress.measurements import (
    ArchiveCustomMetricUseCase,
    ChangeEntryUseCase,
    DefineCustomMetricUseCase,
    ListCustomMetricsUseCase,
    ListMetricsUseCase,
    ListRecentEntriesUseCase,
    LogMetricUseCase,
)
from coachbot.domain.progress.pictures import (
    ComparePhotosUseCase,
    ListPhotoCheckinsUseCase,
    ShowProgressUseCase,
)
from coachbot.domain.progress.report_files import MakeProgressReportUseCase, MonthlyReportUseCase
from coachbot.domain.shared.clock import Clock
from coachbot.domain.shared.ports import UnitOfWork
from coachbot.reports.tools import ProgressTools


def progress_use_cases(
    uow: UnitOfWork, clock: Clock, blobs: BlobStore, tools: ProgressTools
) -> dict[str, Any]:
    return {
        "list_metrics": ListMetricsUseCase(uow),
        "log_metric": LogMetricUseCase(uow, clock),
        "list_recent_entries": ListRecentEntriesUseCase(uow),
        "change_entry": ChangeEntryUseCase(uow, clock),
        "define_custom_metric": DefineCustomMetricUseCase(uow, clock),
        "list_custom_metrics": ListCustomMetricsUseCase(uow),
        "archive_custom_metric": ArchiveCustomMetricUseCase(uow),
        "show_progress": ShowProgressUseCase(uow, clock, tools.charts, tools.cache),
        "list_photo_checkins": ListPhotoCheckinsUseCase(uow),
        "compare_photos": ComparePhotosUseCase(uow, blobs, tools.comparer),
        "show_goals": ShowGoalsUseCase(uow, clock),
        "add_goal": AddGoalUseCase(uow, clock),
        "set_milestones": SetMilestonesUseCase(uow, clock),
        "propose_goal_change": ProposeGoalChangeUseCase(uow, clock),
        "decide_goal_change": DecideGoalChangeUseCase(uow, clock),
        "edit_goal": EditGoalUseCase(uow, clock),
        "show_achievements": ShowAchievementsUseCase(uow),
        "make_progress_report": MakeProgressReportUseCase(uow, clock, tools.reports),
        "monthly_report": MonthlyReportUseCase(uow, clock),
        "export_metrics": ExportMetricsUseCase(uow, clock, tools.exports),
        "export_client": ExportClientUseCase(
            uow, clock, blobs, tools.exports, part_bytes=tools.export_part_bytes
        ),
    }
