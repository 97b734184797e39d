"""Forecast pages: my forecast (a salesperson), the team's (a manager), the company's (an
administrator: the director), history and accuracy, and the two workbench panels."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, request, url_for
from flask_babel import gettext as _
from flask_babel import pgettext
from flask_login import current_user

from salesweb.auth.models import Team, User
from salesweb.core.charts import Series, bar_chart
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import render_page, see_other, trigger
from salesweb.core.models import today
from salesweb.core.money import base_currency
from salesweb.core.params import parse_id
from salesweb.core.security import access
from salesweb.extensions import db, htmx
from salesweb.goals import bp, queries
from salesweb.goals.forms.forecast import ForecastAdjustForm, ForecastForm, TeamForecastForm
from salesweb.goals.models.forecast import accuracy
from salesweb.goals.periods import Period, PeriodKind, fiscal_start
from salesweb.goals.permissions import (
    FORECAST_DIRECTORS,
    FORECAST_READERS,
    FORECAST_REVIEWERS,
    FORECASTERS,
)
from salesweb.goals.services import forecast as services

FORECAST_KINDS = (PeriodKind.MONTH, PeriodKind.QUARTER)


# --- what the pages share ---------------------------------------------------------------------


def current_period(kind: PeriodKind = PeriodKind.QUARTER) -> Period:
    return Period.containing(today(), kind, fiscal_start())


def period_from_url(default: Period | None = None) -> Period:
    """The month or quarter `?period=` names (404 for one that does not exist), or the default
    (the current quarter)."""
    key = request.args.get("period")
    if not key:
        return default or current_period()
    try:
        period = Period.parse(key, fiscal_start())
    except ValueError:
        abort(404)
    if period.kind not in FORECAST_KINDS:
        abort(404)
    return period


def period_choices(chosen: Period) -> list[Period]:
    """The quarters and months of last fiscal year, this one and the next quarter, newest
    first, with the chosen one among them."""
    now = current_period(PeriodKind.YEAR)
    years = [now.same_last_year(), now]
    periods = {chosen, Period.containing(now.end, PeriodKind.QUARTER, fiscal_start())}
    for year in years:
        for quarter in year.children():
            periods.add(quarter)
            periods.update(quarter.children())
    return sorted(periods, key=lambda p: (p.start, p.kind != PeriodKind.QUARTER), reverse=True)


def _neighbours(period: Period) -> tuple[Period, Period]:
    before = Period.containing(period.start - timedelta(days=1), period.kind, fiscal_start())
    after = Period.containing(period.end, period.kind, fiscal_start())
    return before, after


def page_base(period: Period) -> dict[str, Any]:
    """What every forecast page shows around its numbers: the period, its neighbours, the
    choice of periods, whether it is still open to forecasts, the base currency."""
    before, after = _neighbours(period)
    return {
        "period": period,
        "before": before,
        "after": after,
        "periods": period_choices(period),
        "is_open": period.end > today(),
        # The deal list behind the figures: open deals by expected close (an overdue one counts
        # in the current period, so that one has no lower bound), won ones by close date.
        "close_after": None if period.contains(today()) else period.start.isoformat(),
        "close_before": (period.end - timedelta(days=1)).isoformat(),
        "first_day": period.start.isoformat(),
        "current_month": current_period(PeriodKind.MONTH),
        "current_quarter": current_period(),
        "base_currency": base_currency(),
        "today": today(),
    }


def _latest_id(rows: list[Any]) -> int:
    return rows[-1].id if rows else 0


def _open_deals(period: Period, **who: int) -> str:
    """The deal list of the open deals that count in the period (see goals.queries)."""
    after = None if period.contains(today()) else period.start.isoformat()
    before = (period.end - timedelta(days=1)).isoformat()
    return url_for(
        "pipeline.deal_list", status="open", close_after=after, close_before=before, **who
    )


def mine_context(period: Period, form: ForecastForm | None = None) -> dict[str, Any]:
    """My forecast: my figures, my snapshots of the period, the form to submit."""
    (mine,) = queries.people_forecasts(period, [current_user], today())
    if form is None:
        form = ForecastForm(period=period.key, based_on=_latest_id(mine.rows))
    return page_base(period) | {"mine": mine, "form": form}


def _chosen_team(team_id: int | None) -> tuple[list[Team], Team | None]:
    """The teams whose forecast the user sees, and the one asked for (404 for another), or
    their first."""
    teams = queries.forecast_teams(current_user)
    team = next((t for t in teams if t.id == team_id), None) if team_id else None
    if team_id and team is None:
        abort(404)
    return teams, team or (teams[0] if teams else None)


def team_chart(period: Period, team_id: int | None) -> Any:
    """The team's people with their forecast categories stacked (drawn after the page: a chart
    takes longer to draw than the page takes to answer)."""
    _teams, team = _chosen_team(team_id)
    people = queries.forecast_members([team.id]) if team else []
    figures = queries.forecast_by_owner(period, [p.id for p in people], today()) if people else {}
    return categories_chart(
        _("Forecast categories by person, %(period)s", period=period.label()),
        [
            (
                p.display_name,
                figures.get(p.id, queries.ForecastFigures()),
                _open_deals(period, owner=p.id),
            )
            for p in people
        ],
    )


def company_chart(period: Period) -> Any:
    """Every team with its forecast categories stacked."""
    teams = queries.forecast_teams(current_user)
    people = queries.forecast_members([t.id for t in teams])
    figures = queries.forecast_by_owner(period, [p.id for p in people], today()) if people else {}
    lines = []
    for team in teams:
        members = (figures.get(p.id) for p in people if p.team_id == team.id)
        total = queries.total(f for f in members if f is not None)
        lines.append((team.name, total, _open_deals(period, team=team.id)))
    return categories_chart(
        _("Forecast categories by team, %(period)s", period=period.label()), lines
    )


def team_context(period: Period, team_id: int | None, **forms: Any) -> dict[str, Any]:
    """A team's forecast: each person beside the system, the team's own snapshots, the forms."""
    teams, team = _chosen_team(team_id)
    people = queries.forecast_members([team.id]) if team else []
    rows = queries.people_forecasts(period, people, today())
    team_rows = queries.team_submissions(period.key, [team.id]).get(team.id, []) if team else []
    team_form = forms.pop("team_form", None) or TeamForecastForm(
        period=period.key, team_id=team.id if team else None, based_on=_latest_id(team_rows)
    )
    adjust_forms = {
        r.person.id: ForecastAdjustForm(
            period=period.key,
            person_id=r.person.id,
            team_id=team.id,
            based_on=_latest_id(r.rows),
            formdata=None,
        )
        for r in rows
    }
    failed = forms.pop("adjust_form", None)
    if failed is not None and failed.person_id.data in adjust_forms:
        adjust_forms[failed.person_id.data] = failed
    for person_id, form in adjust_forms.items():
        _name_inputs(form, f"adjust-{person_id}")
    _name_inputs(team_form, "team")
    return page_base(period) | {
        "teams": teams,
        "team": team,
        "rows": rows,
        "system": queries.total(r.figures for r in rows),
        "submitted_sum": sum((r.latest.amount for r in rows if r.latest), queries.ZERO),
        "team_rows": team_rows,
        "team_form": team_form,
        "adjust_forms": adjust_forms,
        "failed_adjust": failed,
    }


def categories_chart(title: str, lines: list[tuple[str, Any, str]]) -> Any:
    """The forecast categories stacked, one bar per (label, figures, drill-down url): won, then
    the open commit, best case and pipeline, in the base currency."""
    series = [
        Series(_("Won to date"), [f.won for _, f, _ in lines]),
        Series(pgettext("forecast", "Commit"), [f.commit for _, f, _ in lines]),
        Series(pgettext("forecast", "Best case"), [f.best_case for _, f, _ in lines]),
        Series(pgettext("forecast", "Pipeline"), [f.pipeline for _, f, _ in lines]),
    ]
    labels = [label for label, _, _ in lines]
    links = [url for _, _, url in lines]
    return bar_chart(title, labels, series, links=links, money=True, stacked=True, horizontal=True)


def _name_inputs(form: ForecastForm, prefix: str) -> None:
    """Ids of their own for the inputs of one of several forms on a page (the names stay)."""
    form.amount.id, form.note.id = f"{prefix}-amount", f"{prefix}-note"


def company_context(period: Period) -> dict[str, Any]:
    """Every team: its submitted number, its people's numbers summed, the system's figures."""
    teams = queries.forecast_teams(current_user)
    people = queries.forecast_members([t.id for t in teams])
    rows = queries.people_forecasts(period, people, today())
    submitted = queries.team_submissions(period.key, [t.id for t in teams])
    lines = []
    for team in teams:
        members = [r for r in rows if r.person.team_id == team.id]
        lines.append(
            {
                "team": team,
                "system": queries.total(r.figures for r in members),
                "people_sum": sum((r.latest.amount for r in members if r.latest), queries.ZERO),
                "latest": (submitted.get(team.id) or [None])[-1],
            }
        )
    return page_base(period) | {
        "lines": lines,
        "system": queries.total(line["system"] for line in lines),
        "submitted_total": sum(
            (line["latest"].amount for line in lines if line["latest"]), queries.ZERO
        ),
    }


def _accuracy_line(first: Any, final: Any, actual: Any, **who: Any) -> dict[str, Any]:
    return who | {
        "first": first,
        "final": final,
        "actual": actual,
        "first_accuracy": accuracy(first.amount, actual) if first else None,
        "final_accuracy": accuracy(final.amount, actual) if final else None,
    }


def history_context(period: Period) -> dict[str, Any]:
    """First and final forecast against what was won, per person and per team."""
    teams = queries.forecast_teams(current_user)
    people = queries.forecast_people(current_user, teams)
    rows = queries.people_forecasts(period, people, today())
    lines = [_accuracy_line(r.first, r.latest, r.figures.won, person=r.person) for r in rows]
    submitted = queries.team_submissions(period.key, [t.id for t in teams]) if teams else {}
    team_lines = []
    for team in teams:
        won = sum((r.figures.won for r in rows if r.person.team_id == team.id), queries.ZERO)
        snapshots = submitted.get(team.id, [])
        first, final = (snapshots[0], snapshots[-1]) if snapshots else (None, None)
        team_lines.append(_accuracy_line(first, final, won, team=team))
    return page_base(period) | {"lines": lines, "team_lines": team_lines}


# --- pages ------------------------------------------------------------------------------------


@bp.get("/forecast")
@access(*FORECASTERS)
def forecast_mine():
    period = period_from_url()
    return render_page("goals/forecast_mine.html", block="body", **mine_context(period))


@bp.post("/forecast")
@access(*FORECASTERS)
def forecast_submit():
    form = ForecastForm()
    period = current_period()
    if form.validate_on_submit():
        with saving(form):
            period = form.chosen_period()
            amount, note, based_on = form.amount.data, form.note_text(), form.based_on.data
            services.submit_forecast(current_user, period, amount, note, based_on)
            db.session.commit()
            flash(_("Your forecast for %(period)s is submitted.", period=period.label()), "success")
            return _after("goals.forecast_mine", "forecastSubmitted", period)
    context = mine_context(period, form=form)
    return render_page("goals/forecast_mine.html", "body", form_status(form), **context)


@bp.get("/forecast/team")
@access(*FORECAST_REVIEWERS)
def forecast_team():
    period = period_from_url()
    context = team_context(period, parse_id(request.args.get("team")))
    return render_page("goals/forecast_team.html", block="body", **context)


@bp.post("/forecast/adjust")
@access(*FORECAST_REVIEWERS)
def forecast_adjust():
    form = ForecastAdjustForm()
    period = current_period()
    if form.validate_on_submit():
        with saving(form):
            period = form.chosen_period()
            person = db.session.get(User, form.person_id.data or 0)
            amount, note, based_on = form.amount.data, form.note_text(), form.based_on.data
            services.adjust_forecast(current_user, person, period, amount, note, based_on)
            db.session.commit()
            flash(_("Forecast of %(name)s adjusted.", name=person.display_name), "success")
            return _after("goals.forecast_team", "forecastAdjusted", period, team=form.team_id.data)
    context = team_context(period, _own_team_id(form.team_id.data), adjust_form=form)
    return render_page("goals/forecast_team.html", "body", form_status(form), **context)


@bp.post("/forecast/team")
@access(*FORECAST_REVIEWERS)
def forecast_team_submit():
    form = TeamForecastForm()
    period = current_period()
    if form.validate_on_submit():
        with saving(form):
            period = form.chosen_period()
            team = db.session.get(Team, form.team_id.data or 0)
            amount, note, based_on = form.amount.data, form.note_text(), form.based_on.data
            services.submit_team_forecast(current_user, team, period, amount, note, based_on)
            db.session.commit()
            flash(
                _("The team's forecast for %(period)s is submitted.", period=period.label()),
                "success",
            )
            return _after("goals.forecast_team", "teamForecastSubmitted", period, team=team.id)
    context = team_context(period, _own_team_id(form.team_id.data), team_form=form)
    return render_page("goals/forecast_team.html", "body", form_status(form), **context)


@bp.get("/forecast/company")
@access(*FORECAST_DIRECTORS)
def forecast_company():
    period = period_from_url()
    return render_page("goals/forecast_company.html", block="body", **company_context(period))


@bp.get("/forecast/team/chart")
@access(*FORECAST_REVIEWERS)
def forecast_team_chart():
    chart = team_chart(period_from_url(), parse_id(request.args.get("team")))
    return render_page("goals/_forecast_chart.html", chart=chart)


@bp.get("/forecast/company/chart")
@access(*FORECAST_DIRECTORS)
def forecast_company_chart():
    chart = company_chart(period_from_url())
    return render_page("goals/_forecast_chart.html", chart=chart)


@bp.get("/forecast/history")
@access(*FORECAST_READERS)
def forecast_history():
    period = period_from_url(default=_neighbours(current_period(PeriodKind.MONTH))[0])
    return render_page("goals/forecast_history.html", block="body", **history_context(period))


def _own_team_id(team_id: int | None) -> int | None:
    """The team of a refused form's page: the one it names if the user sees it, else theirs."""
    visible = {t.id for t in queries.forecast_teams(current_user)}
    return team_id if team_id in visible else None


def _after(endpoint: str, event: str, period: Period, **values: Any):
    """After a submission: a 303 to the page of the period; for htmx, that page's numbers as
    the fragment, with the event."""
    if not htmx:
        return see_other(endpoint, period=period.key, **values)
    if endpoint == "goals.forecast_mine":
        fragment = render_page("goals/forecast_mine.html", "body", **mine_context(period))
    else:
        context = team_context(period, values.get("team"))
        fragment = render_page("goals/forecast_team.html", "body", **context)
    return trigger(fragment, event)


# --- workbench panels -------------------------------------------------------------------------


@bp.get("/forecast/panel/review")
@access(*FORECAST_REVIEWERS)
def forecast_panel_review():
    """Managers: their people's numbers of this month and quarter that the team's number has
    not taken in yet (submitted after the team's latest submission, or none yet)."""
    periods = [current_period(PeriodKind.MONTH), current_period()]
    waiting = queries.forecasts_to_review(current_user, periods)
    return render_page("goals/_forecast_panel_review.html", waiting=waiting[:5], more=len(waiting))


@bp.get("/forecast/panel/mine")
@access(*FORECASTERS)
def forecast_panel_mine():
    """A salesperson: whether this month's and this quarter's forecasts are in."""
    periods = [current_period(PeriodKind.MONTH), current_period()]
    latest = queries.own_latest(current_user.id, [p.key for p in periods])
    return render_page(
        "goals/_forecast_panel_mine.html",
        periods=periods,
        latest=latest,
        base_currency=base_currency(),
    )
