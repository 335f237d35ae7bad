"""Cases from intake to decision: 一证一书, 一门受理, assessment, 公示 and objections.

An application needs only the applicant's identity number and a signed authorisation for the data
checks. Any office accepts any programme (一门受理): the case belongs to the household's or
person's locality wherever it was accepted. Duplicates are refused with the case they clash with:
one open application and one active enrolment per household (or person) per programme, and
nobody counted in two households' allowance.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from decimal import Decimal, InvalidOperation
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.events import emit
from core.identity import IdentityError, mask_id_number, normalize_id_number
from core.localities import is_within
from core.models import Household, Locality, Person
from core.runtime import plugin_settings
from plugins.assistance import clock
from plugins.assistance.errors import AssistanceError
from plugins.assistance.events import ApplicationApproved
from plugins.assistance.models import (
    AssistanceApplication,
    AssistanceAssessment,
    AssistanceConsent,
    AssistanceEnrolment,
    AssistanceLead,
    AssistanceMember,
    AssistanceNotice,
    AssistanceObjection,
    mask_name,
)
from plugins.assistance.programmes import (
    CARE_CAUSES,
    CARE_LEVELS,
    CATEGORIES,
    CHANNELS,
    CONSENT_RELATIONS,
    DATA_CHECKS,
    EXTREME_POVERTY,
    MINIMUM_LIVING,
    PARTY_CARE,
    TEMPORARY,
    TEMPORARY_KINDS,
    check_label,
    programme,
)
from plugins.assistance.rules import CaseFacts, StandardFacts, assess, money
from plugins.assistance.workflow import APPLICATION_WORKFLOW, actor_label

MAX_CONSENT_BYTES = 5 * 1024 * 1024
_SCAN_SIGNATURES = {
    b"%PDF": "application/pdf",
    b"\xff\xd8\xff": "image/jpeg",
    b"\x89PNG\r\n\x1a\n": "image/png",
}


def _text(value: Any, field: str, label: str, max_length: int, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise AssistanceError(f"{label}不能为空", field)
    if len(text) > max_length:
        raise AssistanceError(f"{label}不能超过 {max_length} 个字", field)
    if "\x00" in text:
        raise AssistanceError(f"{label}含有非法字符", field)
    return text


def _amount(value: Any, field: str, label: str) -> Decimal:
    if value is None or str(value).strip() == "":
        raise AssistanceError(f"请填写{label}", field)
    try:
        amount = money(Decimal(str(value).replace(",", "")))
    except (InvalidOperation, ValueError):
        raise AssistanceError(f"{label}必须是数字", field) from None
    if amount <= 0:
        raise AssistanceError(f"{label}必须大于 0", field)
    if amount >= Decimal("1e10"):
        raise AssistanceError(f"{label}过大", field)
    return amount


def _choice(value: Any, field: str, label: str, choices: dict[str, str]) -> str:
    if value not in choices:
        listed = "、".join(f"{k}（{v}）" for k, v in choices.items())
        raise AssistanceError(f"请选择{label}：{listed}", field)
    return value


def set_payee(record: Any, bank: str | None, account: str | None) -> None:
    """Set the bank and account a case or enrolment is paid to, after checking them."""
    bank = (bank or "").strip() or None
    account = re.sub(r"[\s-]", "", account or "") or None
    if account is not None and (not account.isdigit() or not 8 <= len(account) <= 30):
        raise AssistanceError("收款账号应为 8 到 30 位数字", "payee_account")
    if account is not None and bank is None:
        raise AssistanceError("填写收款账号时请同时填写收款银行", "payee_bank")
    if bank is not None and (len(bank) > 50 or "\x00" in bank):
        raise AssistanceError("收款银行名称不能超过 50 个字", "payee_bank")
    record.payee_bank = bank
    record.payee_account = account


def find_resident(session: Session, id_number: str) -> Person:
    """The registered resident with this identity number (validated first).

    Looked up across the whole deployment: 一门受理 means any window may accept the case.
    """
    try:
        number = normalize_id_number(id_number)
    except IdentityError as exc:
        raise AssistanceError(f"身份证号无效：{exc}", "id_number") from None
    person = session.scalar(select(Person).where(Person.id_number == number))
    if person is None:
        raise AssistanceError(
            f"未找到身份证号为 {mask_id_number(number)} 的登记居民，请先在“居民”中登记",
            "id_number",
        )
    return person


def subject_key(programme_code: str, person: Person, household: Household | None) -> str:
    """``programme:h<household>`` or ``programme:p<person>``: what may be open only once."""
    if programme(programme_code).per_household:
        assert household is not None
        return f"{programme_code}:h{household.id}"
    return f"{programme_code}:p{person.id}"


def _duplicate_problem(
    session: Session, code: str, key: str, members: list[Person], unit: str
) -> str | None:
    title = programme(code).title
    open_case = session.scalar(
        select(AssistanceApplication).where(AssistanceApplication.open_key == key)
    )
    if open_case is not None:
        state = APPLICATION_WORKFLOW.states[open_case.state]
        return f"该{unit}已有一份进行中的{title}申请（申请#{open_case.id}，{state}），不能重复申请"
    enrolled = session.scalar(
        select(AssistanceEnrolment).where(AssistanceEnrolment.active_key == key)
    )
    if enrolled is not None:
        return f"该{unit}正在享受{title}（救助对象#{enrolled.id}），情况变化请通过复核调整"
    locked = session.execute(
        select(AssistanceMember.person_id, AssistanceMember.application_id).where(
            AssistanceMember.programme == code,
            AssistanceMember.lock_person_id.in_([m.id for m in members]),
        )
    ).all()
    if locked:
        names = {m.id: m.name for m in members}
        listed = "、".join(f"{names[pid]}（申请#{aid}）" for pid, aid in locked)
        return f"{listed}已计入其他{title}案件，同一人不能在两户重复计入"
    return None


def create_application(
    session: Session,
    *,
    actor: Any,
    id_number: str,
    programme_code: str,
    channel: str = "window",
    category: str | None = None,
    care_level: str | None = None,
    temporary_kind: str | None = None,
    cause: str | None = None,
    claimed_amount: Any = None,
    statement: str = "",
    lead: AssistanceLead | None = None,
    accept: bool = False,
) -> AssistanceApplication:
    """Register an application by the applicant's identity number; accept it at once if asked.

    Raises :class:`AssistanceError` naming the field at fault; nothing is added then.
    """
    try:
        plan = programme(programme_code)
    except ValueError as exc:
        raise AssistanceError(str(exc), "programme") from None
    _choice(channel, "channel", "申请渠道", CHANNELS)
    person = find_resident(session, id_number)
    statement = _text(statement, "statement", "申请事由", 2000, required=False)
    details: dict[str, Any] = {}
    if plan.code == MINIMUM_LIVING:
        details["category"] = _choice(category or "variable", "category", "低保分类", CATEGORIES)
    elif plan.code == EXTREME_POVERTY:
        details["care_level"] = _choice(care_level, "care_level", "护理等级", CARE_LEVELS)
    elif plan.code == TEMPORARY:
        details["temporary_kind"] = _choice(
            temporary_kind, "temporary_kind", "临时救助类型", TEMPORARY_KINDS
        )
        label = "申请救助金额" if temporary_kind == "emergency" else "自付刚性支出金额"
        details["claimed_amount"] = _amount(claimed_amount, "claimed_amount", label)
    elif plan.code == PARTY_CARE:
        details["cause"] = _choice(cause, "cause", "资助原因", CARE_CAUSES)
        details["claimed_amount"] = _amount(claimed_amount, "claimed_amount", "自付费用或损失金额")
        tag = plugin_settings(session, "assistance")["party_member_tag"]
        if not person.has_tag(tag):
            raise AssistanceError(
                f"党内关爱资金只资助党员：{person.name} 未登记“{tag}”标签", "id_number"
            )
    household = person.household
    if plan.per_household:
        if household is None:
            raise AssistanceError(
                f"{plan.title}以户为单位申请：{person.name} 尚未登记所属的户", "id_number"
            )
        members = sorted(household.members, key=lambda p: p.id)
        locality_code = household.locality_code
    else:
        members = [person]
        locality_code = person.locality_code
    key = subject_key(plan.code, person, household)
    problem = _duplicate_problem(session, plan.code, key, members, plan.unit_label)
    if problem:
        raise AssistanceError(problem, "id_number")
    label = actor_label(actor)
    application = AssistanceApplication(
        programme=plan.code,
        applicant=person,
        household=household if plan.per_household else person.household,
        channel=channel,
        lead=lead,
        open_key=key,
        statement=statement,
        locality_code=locality_code,
        submitted_by=label,
        **details,
    )
    application.members = [
        AssistanceMember(person=m, programme=plan.code, lock_person_id=m.id) for m in members
    ]
    session.add(application)
    try:
        session.flush()
    except IntegrityError:
        # Another request for the same household or person won the race since the check above.
        raise AssistanceError(
            f"同一{plan.unit_label}的另一份{plan.title}申请刚刚提交，本次未保存，请刷新后查看",
            "id_number",
        ) from None
    if accept:
        APPLICATION_WORKFLOW.apply(application, "accept", actor, session)
        session.flush()
    return application


def record_consent(
    session: Session,
    application: AssistanceApplication,
    *,
    actor: Any,
    signer_name: str,
    signer_relation: str,
    signed_on: dt.date | None,
    scope: list[str],
    file_name: str,
    content: bytes,
) -> AssistanceConsent:
    """File the signed authorisation (授权书) with its scanned copy (PDF, JPEG or PNG)."""
    if application.state not in ("submitted", "accepted", "verifying", "assessed", "notice"):
        raise AssistanceError("申请已办结，不能再上传授权书", "application")
    signer_name = _text(signer_name, "signer_name", "签字人姓名", 50)
    if signer_relation not in CONSENT_RELATIONS:
        raise AssistanceError(
            f"签字人与申请人关系必须是：{'、'.join(CONSENT_RELATIONS)}", "signer_relation"
        )
    if signed_on is None:
        raise AssistanceError("请填写签字日期", "signed_on")
    today = clock.today(session)
    if signed_on > today:
        raise AssistanceError(f"签字日期不能晚于今天（{today}）", "signed_on")
    scope = list(dict.fromkeys(scope or []))
    if not scope:
        raise AssistanceError("请选择授权核对的项目", "scope")
    unknown = [c for c in scope if c not in DATA_CHECKS]
    if unknown:
        raise AssistanceError(f"授权核对项目无效：{'、'.join(unknown)}", "scope")
    if not content:
        raise AssistanceError("请上传签字授权书的扫描件", "file")
    if len(content) > MAX_CONSENT_BYTES:
        raise AssistanceError("扫描件不能超过 5 MB", "file")
    file_type = next((t for sig, t in _SCAN_SIGNATURES.items() if content.startswith(sig)), None)
    if file_type is None:
        raise AssistanceError("扫描件必须是 PDF、JPEG 或 PNG 文件", "file")
    consent = AssistanceConsent(
        application=application,
        signer_name=signer_name,
        signer_relation=signer_relation,
        signed_on=signed_on,
        scope=scope,
        file_name=_text(file_name or "授权书", "file", "文件名", 200)[:200],
        file_type=file_type,
        file_size=len(content),
        file_sha256=hashlib.sha256(content).hexdigest(),
        file_content=content,
        locality_code=application.locality_code,
        recorded_by=actor_label(actor),
    )
    session.add(consent)
    session.flush()
    return consent


def consent_problem(application: AssistanceApplication, session: Session) -> str | None:
    """Why the case cannot go to verification for lack of a valid authorisation, or ``None``."""
    from plugins.assistance.verification import required_checks

    settings = plugin_settings(session, "assistance")
    earliest = clock.today(session) - dt.timedelta(days=settings["consent_valid_days"])
    valid = [c for c in application.consents if c.signed_on >= earliest]
    if not valid:
        if application.consents:
            return f"授权书已超过 {settings['consent_valid_days']} 天有效期，请重新签署并上传"
        return "缺少授权书：请上传申请人签字的核对授权书扫描件（一证一书）"
    covered = {check for consent in valid for check in consent.scope or []}
    missing = [c for c in required_checks(application, settings) if c not in covered]
    if missing:
        return "授权书未覆盖以下核对项目：" + "、".join(check_label(c) for c in missing)
    return None


def release_locks(application: AssistanceApplication) -> None:
    """Let the case's members be counted elsewhere again."""
    for member in application.members:
        member.lock_person_id = None


def _case_facts(session: Session, application: AssistanceApplication) -> CaseFacts:
    from plugins.assistance.carefund import fund_for
    from plugins.assistance.standards import applicable_standard

    settings = plugin_settings(session, "assistance")
    today = clock.today(session)
    figures = {
        t.check: t.amount
        for t in application.tasks
        if t.state == "done" and t.check != "objection" and t.amount is not None
    }
    upheld = [
        t.evidence or ""
        for t in application.tasks
        if t.check == "objection" and t.state == "done" and t.verdict == "异议成立"
    ]
    facts = CaseFacts(
        programme=application.programme,
        members=[m.person.name for m in application.members],
        figures=figures,
        category=application.category,
        care_level=application.care_level,
        temporary_kind=application.temporary_kind,
        cause=application.cause,
        claimed_amount=application.claimed_amount,
        upheld_objections=upheld,
    )
    if application.programme in (MINIMUM_LIVING, TEMPORARY, EXTREME_POVERTY):
        standard_programme = (
            EXTREME_POVERTY if application.programme == EXTREME_POVERTY else MINIMUM_LIVING
        )
        standard = applicable_standard(
            session, standard_programme, application.locality_code, today
        )
        place = session.get(Locality, standard.locality_code)
        facts.standard = StandardFacts(
            place=place.name if place else standard.locality_code,
            effective_from=standard.effective_from,
            monthly=standard.monthly_standard,
            care=standard.care_allowance(application.care_level),
        )
    if application.programme == PARTY_CARE:
        facts.party_member = application.applicant.has_tag(settings["party_member_tag"])
        fund = fund_for(session, application.locality_code)
        facts.fund_balance = fund.balance if fund is not None else None
    return facts


def assess_application(
    session: Session, application: AssistanceApplication, actor: Any
) -> AssistanceAssessment:
    """Compute and store an assessment of the case, with its working."""
    outcome = assess(_case_facts(session, application), plugin_settings(session, "assistance"))
    assessment = AssistanceAssessment(
        application=application,
        eligible=outcome.eligible,
        amount=outcome.amount,
        breakdown=outcome.text,
        inputs=outcome.inputs,
        locality_code=application.locality_code,
        created_by=actor_label(actor),
    )
    session.add(assessment)
    application.eligible = outcome.eligible
    application.amount = outcome.amount
    return assessment


def _publish_notice(
    session: Session, application: AssistanceApplication, actor: Any
) -> AssistanceNotice:
    days = plugin_settings(session, "assistance", application.locality_code)["notice_days"]
    starts = clock.today(session)
    notice = AssistanceNotice(
        application=application,
        programme=application.programme,
        masked_name=mask_name(application.applicant.name),
        persons=len(application.members),
        amount=application.amount or Decimal("0"),
        starts_on=starts,
        ends_on=starts + dt.timedelta(days=days - 1),
        locality_code=application.locality_code,
        published_by=actor_label(actor),
    )
    session.add(notice)
    return notice


def _close_notice(application: AssistanceApplication, reason: str) -> None:
    notice = application.open_notice
    if notice is not None:
        notice.closed_at = clock.now()
        notice.closed_reason = reason


def after_application_transition(
    application: AssistanceApplication,
    transition: Any,
    actor: Any,
    session: Session,
    reason: str | None,
) -> None:
    """What each step of a case does, in the same transaction as the step itself."""
    from plugins.assistance.carefund import grant_for
    from plugins.assistance.enrolments import enrol
    from plugins.assistance.verification import create_tasks

    label = actor_label(actor)
    name = transition.name
    if name == "accept":
        application.accepted_at = clock.now()
        application.accepted_by = label
        application.accepted_office = getattr(actor, "scope_code", None)
    elif name == "verify":
        session.flush()
        create_tasks(session, application, label)
    elif name == "assess":
        assess_application(session, application, actor)
    elif name == "recheck":
        pass
    elif name == "publish":
        _publish_notice(session, application, actor)
    elif name == "objection":
        _close_notice(application, f"收到异议，退回核对：{reason}")
    elif name == "approve":
        _close_notice(application, "公示期满，已批准")
        _decide(application, label, reason)
        plan = programme(application.programme)
        if plan.recurring:
            enrol(session, application, actor)
        else:
            release_locks(application)
        if application.programme == PARTY_CARE:
            grant_for(session, application, label)
        session.flush()
        emit(
            session,
            ApplicationApproved(
                locality_code=application.locality_code,
                application_id=application.id,
                programme=application.programme,
                person_id=application.applicant_id,
                household_id=application.household_id,
                amount=str(application.amount),
            ),
        )
    elif name in ("refuse", "reject", "withdraw"):
        _close_notice(application, f"{transition.label}：{reason}")
        _decide(application, label, reason)
        release_locks(application)


def _decide(application: AssistanceApplication, label: str, reason: str | None) -> None:
    application.decided_at = clock.now()
    application.decided_by = label
    application.decision_reason = reason
    application.open_key = None


def record_objection(
    session: Session,
    application: AssistanceApplication,
    *,
    actor: Any,
    content: str,
    received_on: dt.date | None = None,
    objector: str | None = None,
    contact: str | None = None,
) -> AssistanceObjection:
    """Record an objection to a case in notice and send the case back to verification.

    A verification task 公示异议核实 is added; the case cannot be assessed again before it is done.
    """
    from plugins.assistance.models import AssistanceTask

    notice = application.open_notice
    if application.state != "notice" or notice is None:
        raise AssistanceError("只能对公示中的申请登记异议", "application")
    today = clock.today(session)
    received_on = received_on or today
    if not notice.starts_on <= received_on <= min(notice.ends_on, today):
        raise AssistanceError(
            f"异议须在公示期内（{notice.starts_on} 至 {notice.ends_on}）提出", "received_on"
        )
    content = _text(content, "content", "异议内容", 2000)
    objection = AssistanceObjection(
        application=application,
        notice=notice,
        received_on=received_on,
        content=content,
        objector=_text(objector, "objector", "异议人", 50, required=False) or None,
        contact=_text(contact, "contact", "联系方式", 50, required=False) or None,
        locality_code=application.locality_code,
        recorded_by=actor_label(actor),
    )
    session.add(objection)
    session.flush()
    settings = plugin_settings(session, "assistance")
    session.add(
        AssistanceTask(
            application=application,
            objection=objection,
            task_key=f"{application.id}:objection:{objection.id}",
            check="objection",
            department=settings["departments"]["objection"],
            due_on=today + dt.timedelta(days=settings["check_due_days"]),
            locality_code=application.locality_code,
        )
    )
    APPLICATION_WORKFLOW.apply(application, "objection", actor, session, reason=content[:200])
    session.flush()
    return objection


def accepted_office_name(session: Session, application: AssistanceApplication) -> str:
    """The name of the office (locality) whose window accepted the case."""
    if not application.accepted_office:
        return ""
    place = session.get(Locality, application.accepted_office)
    name = place.name if place else application.accepted_office
    if not is_within(application.locality_code, application.accepted_office):
        return f"{name}（异地受理）"
    return name
