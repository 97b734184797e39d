"""Process definitions (admin): stages with probability, SLA, role, checklist and exit
criteria. Every change makes a new version; deals keep the version they run under."""

from __future__ import annotations

from flask import abort, flash
from flask_babel import gettext as _
from flask_login import current_user

from salesweb.auth.models import ROLE_LABELS
from salesweb.core.errors import DomainError
from salesweb.core.forms import form_status, saving
from salesweb.core.htmx import render_page, see_other
from salesweb.core.security import access
from salesweb.extensions import db
from salesweb.pipeline import bp, gates, queries, services
from salesweb.pipeline.forms import StageForm
from salesweb.pipeline.models import SalesProcess, Stage, StageKind
from salesweb.pipeline.permissions import CONFIGURERS

BUILT_IN = {"fields", "checklist", "approved_quote", "role_approval"}


@bp.get("/processes")
@access(*CONFIGURERS)
def process_list():
    return render_page(
        "pipeline/process_list.html",
        processes=queries.processes(),
        counts=queries.deals_per_process(),
    )


@bp.get("/processes/<int:process_id>")
@access(*CONFIGURERS)
def process_detail(process_id: int):
    process = db.get_or_404(SalesProcess, process_id)
    versions = queries.process_versions(process)
    return render_page(
        "pipeline/process_detail.html",
        process=process,
        versions=versions,
        deals_per_version=queries.deals_per_version(versions),
        kinds={k.key: k.label for k in gates.kinds()},
        field_names=gates.field_names,
    )


def _stage_form(stage: Stage) -> StageForm:
    form = StageForm(obj=stage)
    roles = [(str(k), str(v)) for k, v in ROLE_LABELS.items()]
    form.responsible_role.choices = roles
    form.approval_role.choices = [("", _("— none —"))] + roles
    form.required_fields.choices = [(k, str(v)) for k, v in gates.FIELD_LABELS.items()]
    form.extra_criteria.choices = [
        (k.key, str(k.label)) for k in gates.kinds() if k.key not in BUILT_IN
    ]
    if not form.is_submitted():
        form.steps.data = "\n".join(
            f"{s.name_zh} | {s.name_en} | {'required' if s.required else 'optional'}"
            for s in stage.steps
        )
        by_kind = {c.kind: c.params for c in stage.criteria}
        form.required_fields.data = list(by_kind.get("fields", {}).get("fields", []))
        form.needs_checklist.data = "checklist" in by_kind
        form.needs_quote.data = "approved_quote" in by_kind
        form.approval_role.data = by_kind.get("role_approval", {}).get("role", "")
        form.extra_criteria.data = [k for k in by_kind if k not in BUILT_IN]
    return form


def _spec(stage: Stage, form: StageForm) -> services.StageSpec:
    steps = []
    for number, line in enumerate((form.steps.data or "").splitlines(), start=1):
        if not line.strip():
            continue
        parts = [p.strip() for p in line.split("|")]
        if len(parts) < 2 or not parts[0] or not parts[1]:
            raise DomainError(
                _("Line %(n)d: write “Chinese | English | required”.", n=number), field="steps"
            )
        steps.append(
            (
                parts[0][:200],
                parts[1][:200],
                (parts[2].lower() if len(parts) > 2 else "required") != "optional",
            )
        )
    criteria: list[tuple[str, dict]] = []
    fields = list(form.required_fields.data or [])
    if fields:
        criteria.append(("fields", {"fields": fields}))
    if form.needs_checklist.data:
        criteria.append(("checklist", {}))
    if form.needs_quote.data:
        criteria.append(("approved_quote", {}))
    if form.approval_role.data:
        criteria.append(("role_approval", {"role": form.approval_role.data}))
    for kind in form.extra_criteria.data or []:
        criteria.append((kind, {}))
    return services.StageSpec(
        stage.key,
        form.name_zh.data.strip(),
        form.name_en.data.strip(),
        form.probability.data,
        form.sla_days.data,
        form.responsible_role.data,
        stage.kind,
        steps,
        criteria,
    )


@bp.route("/processes/<int:process_id>/stages/<key>", methods=["GET", "POST"])
@access(*CONFIGURERS)
def stage_edit(process_id: int, key: str):
    process = db.get_or_404(SalesProcess, process_id)
    stage = process.current_version.stage_by_key(key) if process.current_version else None
    if stage is None:
        abort(404)
    form = _stage_form(stage)
    if form.validate_on_submit():
        with saving(form):
            version = services.edit_stage(
                current_user, process, key, _spec(stage, form), form.note.data.strip()
            )
            db.session.commit()
            flash(
                _(
                    "Saved as version %(n)d. Deals already under way keep their version.",
                    n=version.number,
                ),
                "success",
            )
            return see_other("pipeline.process_detail", process_id=process.id)
    return render_page(
        "pipeline/stage_form.html",
        block="form",
        http_status=form_status(form),
        form=form,
        process=process,
        stage=stage,
        after_sales=stage.kind == StageKind.AFTER_SALES,
    )
