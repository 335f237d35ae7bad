"""Switching a plugin on or off for part of the county (``[coverage.NAME]``): a town that does not
run the suggestion box yet, or pilot villages that do. Menus, API, portal and event reactions all
follow the switch, and no record of the plugin can be placed where it is off."""

from __future__ import annotations

import pytest
from gongzhi_example.models import Greeting, Suggestion
from helpers import api_token, bearer, csrf_token, logged_in, make_app
from sqlalchemy import func, select

from core.config import ConfigError, parse_config
from core.coverage import Coverage, CoverageError
from core.events import PersonRegistered, emit
from core.runtime import Runtime
from core.testing import add_account, add_person, make_config_data, seed_tree

COUNTY = "500243000000"
HANJIA = "500243001000"  # 汉葭街道: 城南社区, 长滩村
CHENGNAN = "500243001001"
CHANGTAN = "500243001002"
BAOJIA = "500243101000"  # 保家镇: 中心村, 楠木村
ZHONGXIN = "500243101001"
NANMU = "500243101002"


def config_with(database_url: str, coverage: dict) -> dict:
    data = make_config_data(database_url, ["example"])
    data["coverage"] = coverage
    return data


@pytest.fixture
def covered(make_runtime, database_url):
    """A runtime with the suggestion box switched per ``coverage``, the tree and five accounts."""
    made = []

    def build(coverage: dict) -> Runtime:
        make_runtime(["example"]).close()  # migrates the database
        runtime = Runtime(parse_config(config_with(database_url, {"example": coverage})))
        made.append(runtime)
        with runtime.db.transaction() as session:
            seed_tree(session)
            add_account(session, "county", COUNTY, ["county_admin"])
            add_account(session, "hanjia", HANJIA, ["town_admin"])
            add_account(session, "chengnan", CHENGNAN, ["village_admin"])
            add_account(session, "baojia", BAOJIA, ["town_admin"])
            add_account(session, "zhongxin", ZHONGXIN, ["village_admin"])
        return runtime

    yield build
    for runtime in made:
        runtime.close()


# -- the rule --------------------------------------------------------------------------------


def test_a_pilot_covers_its_villages_and_reaches_the_accounts_above_it():
    pilot = Coverage(only=(ZHONGXIN,))
    assert pilot.covers(ZHONGXIN)
    assert pilot.covers(ZHONGXIN + "001")  # a 村民小组 inside the pilot village
    assert not pilot.covers(NANMU)
    assert not pilot.covers(BAOJIA)
    assert pilot.reaches(BAOJIA) and pilot.reaches(COUNTY)
    assert not pilot.reaches(HANJIA) and not pilot.reaches(NANMU)


def test_an_excluded_town_is_off_for_itself_and_everything_under_it():
    partial = Coverage(exclude=(HANJIA,))
    assert partial.covers(COUNTY) and partial.covers(ZHONGXIN)
    assert not partial.covers(HANJIA) and not partial.covers(CHENGNAN)
    assert not partial.reaches(CHENGNAN)
    assert partial.reaches(COUNTY)


def test_a_pilot_town_may_leave_out_one_of_its_villages():
    coverage = Coverage(only=(BAOJIA,), exclude=(NANMU,))
    assert coverage.covers(ZHONGXIN) and not coverage.covers(NANMU)
    assert coverage.describe() == f"仅限 {BAOJIA}；不含 {NANMU}"
    assert Coverage().describe() == "全域启用"


def test_the_config_names_each_mistake_in_a_coverage_table(database_url):
    data = make_config_data(database_url, ["example"])
    data["coverage"] = {
        "points": {"only": [ZHONGXIN]},
        "example": {"only": ["110101001001", "12345"], "exclude": [NANMU], "pilot": []},
    }
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    errors = "\n".join(caught.value.errors)
    assert "coverage.example.pilot" in errors
    assert "coverage.example.only.1" in errors or "coverage.example.only[1]" in errors
    data["coverage"]["example"] = {"only": ["110101001001"]}
    with pytest.raises(ConfigError) as caught:
        parse_config(data)
    errors = "\n".join(caught.value.errors)
    assert "coverage.points: 插件 points 未启用" in errors
    assert "coverage.example.only[0]: 110101001001 不在本部署的行政区划" in errors


# -- the admin -------------------------------------------------------------------------------


def menu_has_suggestions(client) -> bool:
    page = client.get("/admin/").get_data(as_text=True)
    return "意见建议" in page


def test_a_town_that_does_not_run_the_plugin_sees_no_menu_and_cannot_open_it(covered):
    runtime = covered({"exclude": [HANJIA]})
    app = make_app(runtime)
    hanjia, chengnan = logged_in(app, "hanjia"), logged_in(app, "chengnan")
    assert not menu_has_suggestions(hanjia) and not menu_has_suggestions(chengnan)
    assert chengnan.get("/admin/example_suggestion/").status_code == 403
    baojia, county = logged_in(app, "baojia"), logged_in(app, "county")
    assert menu_has_suggestions(baojia) and menu_has_suggestions(county)
    assert baojia.get("/admin/example_suggestion/").status_code == 200


def test_pilot_villages_show_the_plugin_to_their_town_and_county_only(covered):
    runtime = covered({"only": [ZHONGXIN]})
    app = make_app(runtime)
    assert menu_has_suggestions(logged_in(app, "zhongxin"))
    assert menu_has_suggestions(logged_in(app, "baojia"))
    assert menu_has_suggestions(logged_in(app, "county"))
    assert not menu_has_suggestions(logged_in(app, "hanjia"))


def test_the_county_cannot_file_a_record_in_a_village_outside_the_pilot(covered):
    runtime = covered({"only": [ZHONGXIN]})
    app = make_app(runtime)
    county = logged_in(app, "county")
    url = "/admin/example_suggestion/new/"
    form = {"csrf_token": csrf_token(county, url), "title": "修路", "body": "请修路"}
    refused = county.post(url, data={**form, "locality": CHENGNAN}, follow_redirects=True)
    assert "意见箱（example）未在行政区划 500243001001 启用" in refused.get_data(as_text=True)
    accepted = county.post(url, data={**form, "locality": ZHONGXIN}, follow_redirects=True)
    assert accepted.status_code == 200
    with runtime.db.new_session() as session:
        placed = session.scalars(select(Suggestion.locality_code)).all()
    assert placed == [ZHONGXIN]


def test_records_placed_before_a_switch_off_stay_editable_but_cannot_move_in(covered):
    runtime = covered({"exclude": [HANJIA]})
    with runtime.db.transaction() as session:
        # Written with the plugin on everywhere, as before the county switched the town off.
        session.info["plugins"], plugins = None, session.info["plugins"]
        session.add(Suggestion(title="旧建议", body="", locality_code=CHENGNAN))
        session.flush()
        session.info["plugins"] = plugins
    with runtime.db.transaction() as session:
        old = session.scalars(select(Suggestion)).one()
        old.answer = "已答复"  # staying where it is: allowed
    with pytest.raises(CoverageError), runtime.db.transaction() as session:
        moved = session.scalars(select(Suggestion)).one()
        moved.locality_code = CHANGTAN
    with runtime.db.new_session() as session:
        assert session.scalars(select(Suggestion.locality_code)).one() == CHENGNAN


# -- the API ---------------------------------------------------------------------------------


def test_the_api_refuses_the_plugin_to_accounts_outside_its_coverage(covered):
    runtime = covered({"exclude": [HANJIA]})
    app = make_app(runtime)
    client = app.test_client()
    outside = client.get(
        "/api/v1/example/suggestions", headers=bearer(api_token(client, "chengnan"))
    )
    assert outside.status_code == 403
    assert outside.get_json()["message"] == "意见箱未在您管辖的区划内启用"
    inside = client.get("/api/v1/example/suggestions", headers=bearer(api_token(client, "baojia")))
    assert inside.status_code == 200
    core = client.get("/api/v1/persons", headers=bearer(api_token(client, "chengnan")))
    assert core.status_code == 200  # core registers are not switched


# -- events and the portal -------------------------------------------------------------------


def test_a_plugin_switched_off_somewhere_does_not_react_to_events_there(covered):
    runtime = covered({"only": [ZHONGXIN]})
    with runtime.db.transaction() as session:
        for sequence, code in enumerate([ZHONGXIN, NANMU, CHENGNAN], 1):
            person = add_person(session, f"居民{sequence}", code, sequence)
            emit(session, PersonRegistered(locality_code=code, person_id=person.id))
    with runtime.db.new_session() as session:
        greeted = session.scalars(select(Greeting.locality_code)).all()
        assert greeted == [ZHONGXIN]


def test_residents_see_the_plugin_only_on_pages_of_places_that_run_it(covered):
    runtime = covered({"only": [ZHONGXIN]})
    with runtime.db.transaction() as session:
        for code in (ZHONGXIN,):
            session.add(Suggestion(title="村口路灯", body="", locality_code=code, state="answered"))
    client = make_app(runtime).test_client()
    assert "意见建议答复" in client.get(f"/l/{ZHONGXIN}").get_data(as_text=True)
    assert "意见建议答复" in client.get(f"/l/{BAOJIA}").get_data(as_text=True)
    for code in (CHENGNAN, HANJIA, NANMU):
        assert "意见建议答复" not in client.get(f"/l/{code}").get_data(as_text=True)


def test_config_check_prints_where_each_plugin_runs(covered, tmp_path, database_url):
    import tomli_w
    from click.testing import CliRunner

    from hostapp.cli import main

    covered({"only": [ZHONGXIN]})
    path = tmp_path / "county.toml"
    path.write_text(tomli_w.dumps(config_with(database_url, {"example": {"only": [ZHONGXIN]}})))
    result = CliRunner().invoke(main, ["--config", str(path), "config", "check"])
    assert result.exit_code == 0, result.output
    assert f"启用范围：仅限 {ZHONGXIN}" in result.output


def test_the_registers_count_no_greeting_for_an_excluded_village(covered):
    runtime = covered({"exclude": [HANJIA]})
    with runtime.db.transaction() as session:
        person = add_person(session, "居民", CHANGTAN, 7)
        emit(session, PersonRegistered(locality_code=CHANGTAN, person_id=person.id))
    with runtime.db.new_session() as session:
        assert session.scalar(select(func.count()).select_from(Greeting)) == 0
