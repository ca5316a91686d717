"""The progress report as a PDF (ReportLab): one client, one period.

Page 1 is the summary: goals and how far along they are, the measurements of the period
against the one before, check-in compliance and achievements. Page 2 has the charts (the
same renderer as in the chat). Page 3 has the coach's notes: their feedback on the
period's check-ins and, in the coach's own copy only, their private notes; that copy
has a fourth page with the client's intake and health screen answers, once given.

Text is set in DejaVu Sans (shipped with matplotlib), which has every glyph the report
prints, umlauts and minus signs included.
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from coachbot.domain.progress.views import (
    GoalProgress,
    MetricChart,
    MetricSeries,
    ProgressReport,
    Viewpoint,
)
from coachbot.reports.chart_drawing import WIDTH_PX
from coachbot.reports.charts import MatplotlibChartRenderer
from coachbot.reports.intake import intake_story
from coachbot.reports.labels import (
    N_,
    Translate,
    achievement_title,
    font_path,
    goal_name,
    goal_status,
    long_date,
    measure,
    metric_name,
    untranslated,
)

FONT, FONT_BOLD = "DejaVuSans", "DejaVuSans-Bold"
INK = colors.HexColor("#1d2733")
MUTED = colors.HexColor("#5b6675")
ACCENT = colors.HexColor("#1f5fae")
RULE = colors.HexColor("#d5dbe3")
BAND = colors.HexColor("#f1f4f8")
CHART_WIDTH = 17 * cm
PDF_CHART_HEIGHT_PX = 600  # two charts to an A4 page


def _register_fonts() -> None:
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont(FONT, str(font_path())))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(font_path(bold=True))))
        pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=FONT_BOLD)


class ReportlabReportRenderer:
    """The drawing behind the `ReportRenderer` adapters of `render_pool`. CPU-bound."""

    def __init__(
        self,
        translate: Translate = untranslated,
        charts: MatplotlibChartRenderer | None = None,
    ) -> None:
        self._t = translate
        self._charts = charts or MatplotlibChartRenderer(translate)
        _register_fonts()
        self._styles = {
            "title": ParagraphStyle(
                "title", fontName=FONT_BOLD, fontSize=22, leading=27, textColor=INK, spaceAfter=6
            ),
            "subtitle": ParagraphStyle(
                "subtitle", fontName=FONT, fontSize=11, leading=15, textColor=MUTED
            ),
            "h2": ParagraphStyle(
                "h2",
                fontName=FONT_BOLD,
                fontSize=14,
                leading=18,
                textColor=ACCENT,
                spaceBefore=14,
                spaceAfter=6,
            ),
            "body": ParagraphStyle(
                "body", fontName=FONT, fontSize=10, leading=14, textColor=INK, alignment=TA_LEFT
            ),
            "small": ParagraphStyle(
                "small", fontName=FONT, fontSize=8.5, leading=11, textColor=MUTED
            ),
            "cell": ParagraphStyle("cell", fontName=FONT, fontSize=9, leading=12, textColor=INK),
            "head": ParagraphStyle(
                "head", fontName=FONT_BOLD, fontSize=9, leading=12, textColor=MUTED
            ),
        }

    def render(self, report: ProgressReport) -> bytes:
        out = io.BytesIO()
        language = report.view.language
        document = SimpleDocTemplate(
            out,
            pagesize=A4,
            leftMargin=2 * cm,
            rightMargin=2 * cm,
            topMargin=1.8 * cm,
            bottomMargin=1.8 * cm,
            title=self._t(language, N_("Progress report")) + f" · {report.client_name}",
            author=report.coach_name,
            subject=self._period(report),
            creator="Coachbot",
        )
        story = self._summary(report)
        story += [PageBreak(), *self._chart_page(report)]
        story += [PageBreak(), *self._notes_page(report)]
        if report.intake is not None and not report.intake.empty:  # the coach's copy
            story += [PageBreak(), *intake_story(report.intake, report.view, self._t, self._styles)]

        def footer(canvas, doc) -> None:
            canvas.saveState()
            canvas.setFont(FONT, 8)
            canvas.setFillColor(MUTED)
            page = self._t(language, N_("Page {number}")).format(number=doc.page)
            canvas.drawString(2 * cm, 1.1 * cm, f"{report.client_name} · {self._period(report)}")
            canvas.drawRightString(A4[0] - 2 * cm, 1.1 * cm, page)
            canvas.restoreState()

        document.build(story, onFirstPage=footer, onLaterPages=footer)
        return out.getvalue()

    # -- page 1 ----------------------------------------------------------------------

    def _summary(self, report: ProgressReport) -> list:
        t, language, s = self._t, report.view.language, self._styles
        created = long_date(
            report.generated_at.astimezone(ZoneInfo(report.view.timezone)).date(), language
        )
        story: list = [
            Paragraph(escape(t(language, N_("Progress report"))), s["title"]),
            Paragraph(
                f"<b>{escape(report.client_name)}</b> · {escape(self._period(report))}",
                s["subtitle"],
            ),
            Paragraph(
                escape(
                    t(language, N_("Coach: {coach} · created {date}")).format(
                        coach=report.coach_name, date=created
                    )
                ),
                s["subtitle"],
            ),
            Spacer(1, 0.3 * cm),
            Paragraph(escape(t(language, N_("Goals"))), s["h2"]),
        ]
        if report.goals:
            story.append(self._goal_table(report))
        else:
            story.append(Paragraph(escape(t(language, N_("No goals are set yet."))), s["body"]))
        story.append(Paragraph(escape(t(language, N_("Measurements"))), s["h2"]))
        if report.metrics:
            story.append(self._metric_table(report))
        else:
            story.append(
                Paragraph(escape(t(language, N_("No measurements in this period."))), s["body"])
            )
        story.append(Paragraph(escape(t(language, N_("Check-ins"))), s["h2"]))
        story.append(Paragraph(escape(self._compliance(report)), s["body"]))
        story.append(Paragraph(escape(t(language, N_("Achievements"))), s["h2"]))
        if report.achievements:
            for achievement in report.achievements:
                day = long_date(achievement.achieved_at.date(), language)
                title = achievement_title(achievement, report.view, self._t)
                story.append(Paragraph(f"★ {escape(title)} · {escape(day)}", s["body"]))
        else:
            story.append(Paragraph(escape(t(language, N_("None in this period, yet."))), s["body"]))
        return story

    def _goal_table(self, report: ProgressReport) -> Table:
        t, language, view = self._t, report.view.language, report.view
        head = [N_("Goal"), N_("Start"), N_("Now"), N_("Target"), N_("Progress"), N_("Status")]
        rows = [[self._cell(t(language, h), head=True) for h in head]]
        for item in report.goals:
            rows.append(
                [
                    self._cell(text)
                    for text in (
                        goal_name(item, self._t, language),
                        self._value(item, item.goal.start_value, view),
                        self._value(item, item.current, view),
                        self._target(item, view),
                        f"{round(item.fraction * 100)} %" if item.fraction is not None else "—",
                        goal_status(item, view, self._t),
                    )
                ]
            )
        return self._table(rows, [3.8 * cm, 1.8 * cm, 1.8 * cm, 2.6 * cm, 2.6 * cm, 4.4 * cm])

    def _metric_table(self, report: ProgressReport) -> Table:
        t, view = self._t, report.view
        language = view.language
        head = [N_("Metric"), N_("Average"), N_("Change"), N_("vs. previous"), N_("Per week")]
        rows = [[self._cell(t(language, h), head=True) for h in head]]
        for trends in report.metrics:
            definition = trends.series.definition

            def shown(value: float | None, *, sign: bool = False, d=definition) -> str:
                return "—" if value is None else measure(value, d, view.units, language, sign=sign)

            month = trends.month
            rows.append(
                [
                    self._cell(text)
                    for text in (
                        metric_name(definition, t, language),
                        shown(month.current.mean),
                        shown(month.current.change, sign=True),
                        shown(month.difference, sign=True),
                        shown(trends.series.weekly_rate, sign=True),
                    )
                ]
            )
        return self._table(rows, [4.2 * cm, 3 * cm, 3 * cm, 3 * cm, 3.8 * cm])

    def _table(self, rows: list, widths: list[float]) -> Table:
        table = Table(rows, colWidths=widths, repeatRows=1)
        table.setStyle(
            TableStyle(
                [
                    ("BACKGROUND", (0, 0), (-1, 0), BAND),
                    ("LINEBELOW", (0, 0), (-1, -1), 0.5, RULE),
                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                    ("TOPPADDING", (0, 0), (-1, -1), 5),
                    ("BOTTOMPADDING", (0, 0), (-1, -1), 5),
                ]
            )
        )
        return table

    def _cell(self, text: str, *, head: bool = False) -> Paragraph:
        lines = "<br/>".join(escape(line) for line in text.splitlines())
        return Paragraph(lines, self._styles["head" if head else "cell"])

    def _compliance(self, report: ProgressReport) -> str:
        t, language, c = self._t, report.view.language, report.compliance
        if c.due == 0:
            return t(language, N_("No check-ins were due in this period."))
        text = t(language, N_("{submitted} of {due} check-ins answered ({rate} %)")).format(
            submitted=c.submitted, due=c.due, rate=round((c.rate or 0) * 100)
        )
        details = []
        if c.late:
            details.append(t(language, N_("{count} late")).format(count=c.late))
        if c.missed:
            details.append(t(language, N_("{count} missed")).format(count=c.missed))
        return text + (", " + ", ".join(details) if details else "") + "."

    # -- page 2 ----------------------------------------------------------------------

    def _chart_page(self, report: ProgressReport) -> list:
        """One chart per metric, two to a page: the same charts as in the chat, wider."""
        t, language, s = self._t, report.view.language, self._styles
        story: list = [Paragraph(escape(t(language, N_("Charts"))), s["h2"])]
        if not report.metrics:
            story.append(Paragraph(escape(t(language, N_("No measurements to chart."))), s["body"]))
            return story
        height = CHART_WIDTH * PDF_CHART_HEIGHT_PX / WIDTH_PX
        for trends in report.metrics:
            if len(trends.series.points) == 1:  # a chart of one dot is an empty frame
                story.append(self._single_entry(trends.series, report.view))
                continue
            chart = MetricChart(trends.series, report.view, report.period_end)
            png = self._charts.metric_chart(chart, height_px=PDF_CHART_HEIGHT_PX)
            story.append(
                KeepTogether([Image(io.BytesIO(png), CHART_WIDTH, height), Spacer(1, 0.5 * cm)])
            )
        return story

    def _single_entry(self, series: MetricSeries, view: Viewpoint) -> Paragraph:
        """One entry: the value as a number, with its date."""
        (moment, value), language = series.points[0], view.language
        text = self._t(language, N_("{metric}: {value} on {date} (one entry, no chart yet)"))
        return Paragraph(
            escape(
                text.format(
                    metric=metric_name(series.definition, self._t, language),
                    value=measure(value, series.definition, view.units, language),
                    date=long_date(moment.astimezone(ZoneInfo(view.timezone)).date(), language),
                )
            ),
            self._styles["body"],
        )

    # -- page 3 ----------------------------------------------------------------------

    def _notes_page(self, report: ProgressReport) -> list:
        t, language, s = self._t, report.view.language, self._styles
        zone = ZoneInfo(report.view.timezone)
        story: list = [Paragraph(escape(t(language, N_("Coach notes"))), s["h2"])]
        coach_lines = [note for note in report.notes if note.by_coach]
        if not coach_lines:
            story.append(
                Paragraph(escape(t(language, N_("No feedback in this period."))), s["body"])
            )
        kinds = {"voice": N_("(voice message)"), "photo": N_("(photo)")}
        for note in coach_lines:
            day = long_date(note.at.astimezone(zone).date(), language)
            text = note.text or ""
            if note.kind in kinds:
                text = f"{t(language, kinds[note.kind])} {text}".strip()
            story.append(Paragraph(f"<b>{escape(day)}</b> · {escape(text)}", s["body"]))
            story.append(Spacer(1, 0.15 * cm))
        if report.private_notes:
            story.append(Paragraph(escape(t(language, N_("Your private notes"))), s["h2"]))
            story.append(
                Paragraph(
                    escape(t(language, N_("Only in your copy; the client does not see them."))),
                    s["small"],
                )
            )
            for line in report.private_notes.splitlines():
                story.append(Paragraph(escape(line) or "&nbsp;", s["body"]))
        return story

    # -- words -----------------------------------------------------------------------

    def _period(self, report: ProgressReport) -> str:
        language = report.view.language
        return (
            f"{long_date(report.period_start, language)} – {long_date(report.period_end, language)}"
        )

    def _value(self, item: GoalProgress, value: float | None, view: Viewpoint) -> str:
        if value is None or item.definition is None:
            return "—"
        return measure(value, item.definition, view.units, view.language)

    def _target(self, item: GoalProgress, view: Viewpoint) -> str:
        parts = []
        if item.goal.target_value is not None:
            parts.append(self._value(item, item.goal.target_value, view))
        if item.goal.target_date is not None:
            parts.append(long_date(item.goal.target_date, view.language))
        return "\n".join(parts) or "—"
