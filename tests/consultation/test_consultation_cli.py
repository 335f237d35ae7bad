"""``gongzhi consultation ...`` as an operator and cron use it, and the plugin's settings."""

from __future__ import annotations

import datetime as dt

import pytest
import tomli_w
from click.testing import CliRunner
from consultation_support import VILLAGE, populate
from sqlalchemy import func, select

from core.config import parse_config
from core.db import utcnow
from core.plugin_manager import PluginSettingsError
from core.runtime import Runtime
from core.testing import make_config_data
from hostapp.cli import main
from plugins.consultation import matters
from plugins.consultation.models import ConsultationEscalation, ConsultationMatter
from plugins.consultation.statistics import local_today


@pytest.fixture
def cli(make_runtime, database_url, tmp_path):
    """A populated consultation deployment and a runner of ``gongzhi --config FILE ...``."""
    runtime = make_runtime(["consultation"])
    with runtime.db.transaction() as session:
        runtime.ids = populate(session)
    path = tmp_path / "gongzhi.toml"
    path.write_text(tomli_w.dumps(make_config_data(database_url, ["consultation"])), "utf-8")

    def run(*args):
        return CliRunner().invoke(main, ["--config", str(path), *args], catch_exceptions=False)

    run.runtime = runtime
    return run


def late_matter(runtime, days: int = 10) -> int:
    with runtime.db.transaction() as session:
        matter = matters.submit_matter(
            session,
            locality_code=VILLAGE,
            item_code="B02",
            title="拖了很久的事",
            description="一直没人管",
            reporter_id=runtime.ids.reporter,
        )
        matter.submitted_at = utcnow() - dt.timedelta(days=days)
        matter.due_at = matter.submitted_at + dt.timedelta(days=3)
        return matter.id


def test_escalate_can_run_from_cron_again_and_again(cli):
    matter_id = late_matter(cli.runtime)
    first = cli("consultation", "escalate")
    assert first.exit_code == 0, first.output
    assert "升级督办 1 件" in first.output
    assert f"#{matter_id} 拖了很久的事：村（社区） → 乡镇（街道）" in first.output
    second = cli("consultation", "escalate")
    assert "升级督办 0 件" in second.output
    later = (utcnow() + dt.timedelta(days=30)).isoformat()
    third = cli("consultation", "escalate", "--now", later)
    assert "乡镇（街道） → 县" in third.output
    much_later = (utcnow() + dt.timedelta(days=38)).isoformat()
    last = cli("consultation", "escalate", "--now", much_later)
    assert "升级督办 0 件" in last.output and "另有 1 件已由县级督办、仍然逾期" in last.output
    with cli.runtime.db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ConsultationEscalation)) == 2
        assert session.get(ConsultationMatter, matter_id).handling_level == "county"


def test_escalate_refuses_a_bad_scope_or_time_clearly(cli):
    wrong = cli("consultation", "escalate", "--scope", "110101001001")
    assert wrong.exit_code == 2 and "不在本部署的区划范围内" in wrong.output
    naive = cli("consultation", "escalate", "--now", "2026-05-01T08:00")
    assert naive.exit_code == 2 and "时区" in naive.output


def test_overdue_figures_catalogue_and_conclude(cli):
    late_matter(cli.runtime)
    overdue = cli("consultation", "overdue")
    assert "逾期事项 1 件" in overdue.output and "拖了很久的事" in overdue.output
    today = local_today(cli.runtime.config.timezone)
    figures = cli(
        "consultation", "figures", "--from", f"{today.year}-01-01", "--to", today.isoformat()
    )
    assert figures.exit_code == 0, figures.output
    assert "提交事项：1" in figures.output and "当前逾期事项：1" in figures.output
    assert "汉葭街道（500243001000）提交 1，办结 0" in figures.output
    catalogue = cli("consultation", "catalogue")
    assert (
        "4 大类 16 小项" in catalogue.output
        and "D03 个人生产生活和市场服务诉求（默认私事）" in catalogue.output
    )
    conclude = cli("consultation", "conclude")
    assert "评议通过 0 件，重新办理 0 件" in conclude.output


def test_settings_errors_name_the_exact_path(database_url):
    bad = {
        "consultation": {
            "catalogue": [
                {
                    "code": "A",
                    "name": "制度建设类",
                    "items": [{"code": "A1", "name": "x", "triage": "big"}],
                },
                {"code": "A", "name": "重复", "items": []},
            ],
            "deadline_days": {"major": 0},
            "county_catalogues": {"110000000000": []},
            "meeting_forms": ["院坝会", "院坝会"],
            "colour": "red",
        }
    }
    with pytest.raises(PluginSettingsError) as caught:
        Runtime(parse_config(make_config_data(database_url, ["consultation"], bad)))
    errors = "\n".join(caught.value.errors)
    for expected in (
        "plugins.consultation.catalogue[0].items[0].triage: 必须是以下之一：major, minor, private",
        "plugins.consultation.catalogue[1].items: 每个类别至少要有一个事项",
        "plugins.consultation.deadline_days.major: 必须在 1 到 365 之间",
        "plugins.consultation.county_catalogues.110000000000（键）: "
        "110000000000 不是县级行政区划代码",
        "plugins.consultation.meeting_forms: 议事形式重复：院坝会",
        "plugins.consultation.colour: 未知字段（请检查拼写）",
    ):
        assert expected in errors, errors


def test_duplicate_catalogue_codes_are_refused(database_url):
    items = [{"code": "X1", "name": "饮水", "triage": "major"}]
    bad = {"consultation": {"catalogue": [{"code": "X", "name": "甲", "items": items}] * 2}}
    with pytest.raises(PluginSettingsError) as caught:
        Runtime(parse_config(make_config_data(database_url, ["consultation"], bad)))
    assert "plugins.consultation.catalogue: 编码 X 重复" in caught.value.errors


def test_the_defaults_are_pengshuis_catalogue_and_time_limits(make_runtime):
    settings = make_runtime(["consultation"]).plugins.settings("consultation")
    assert [c["name"] for c in settings["catalogue"]] == [
        "制度建设类",
        "公共事务公益事业类",
        "村（居）务管理类",
        "其他类",
    ]
    assert sum(len(c["items"]) for c in settings["catalogue"]) == 16
    assert settings["deadline_days"] == {"major": 30, "minor": 15, "private": 5}
    assert "院坝会" in settings["meeting_forms"] and "屋场夜话" in settings["meeting_forms"]
