"""core.testing as plugin authors meet it: a pytest plugin that an installed Gongzhi hands to every
test run, with a deployment of the chosen plugins, its app, and clients logged in per role."""

from __future__ import annotations

import importlib.metadata
import re
from pathlib import Path

import pytest
from sqlalchemy import select

import core.testing
from core.models import Account
from core.plugin_manager import installed_entry_points
from core.testing import ACCOUNTS, COUNTY, NEIGHBOUR, TOWN, VILLAGE, add_person, principal
from core.workflow import WorkflowError

# pytester's inner runs forget the modules they imported, but their tables stay on the shared
# Base.metadata, so a plugin imported again would clash: import the plugins they enable first.
for _name in ("example", "points"):
    installed_entry_points()[_name].load()

# Inner runs use this test's database (their own tmp_path, or the PostgreSQL test database):
# the outer tests that start them hold no database fixture.
GUIDE = Path(__file__).resolve().parents[1] / "docs" / "testing.md"
INI = """
[pytest]
addopts = --strict-markers -p no:cacheprovider
"""


# --- the plugin is installed, once ---------------------------------------------------------------


def test_installing_gongzhi_registers_core_testing_as_a_pytest_plugin():
    points = importlib.metadata.entry_points(group="pytest11")
    assert [(ep.name, ep.value) for ep in points if ep.value == "core.testing"] == [
        ("core.testing", "core.testing")
    ]


def test_our_own_suite_loads_the_fixtures_once_although_conftest_names_them_too(pytestconfig):
    manager = pytestconfig.pluginmanager
    assert manager.get_plugin("core.testing") is core.testing
    registered = [name for name, plugin in manager.list_name_plugin() if plugin is core.testing]
    assert registered == ["core.testing"]


def test_the_marker_is_registered_for_strict_markers(pytestconfig):
    assert any(line.startswith("gongzhi_plugins(") for line in pytestconfig.getini("markers"))


# --- a plugin author's test folder, with no conftest.py -------------------------------------------


def test_a_test_folder_without_conftest_gets_the_fixtures(pytester):
    pytester.makeini(INI)
    pytester.makepyfile(
        test_author="""
        import pytest
        from sqlalchemy import func, select

        from core.models import Account, Locality


        def test_a_deployment_with_the_tree_and_one_account_per_role(gongzhi_runtime):
            with gongzhi_runtime.db.new_session() as session:
                assert session.scalar(select(func.count()).select_from(Locality)) == 7
                names = session.scalars(select(Account.username).order_by(Account.username))
                assert list(names) == ["county", "neighbour", "town", "village"]
            assert gongzhi_runtime.plugins.names == []


        @pytest.mark.gongzhi_plugins("example", settings={"example": {"title_suffix": "★"}})
        def test_the_marker_enables_plugins_with_settings(gongzhi_runtime, client_as):
            assert gongzhi_runtime.plugins.names == ["example"]
            settings = gongzhi_runtime.plugins.get("example").settings
            assert settings["title_suffix"] == "★"
            assert client_as("village_admin").get("/admin/example_suggestion/").status_code == 200


        def test_api_clients_carry_their_token(api_client_as):
            response = api_client_as("county_admin").get("/api/v1/localities")
            assert response.status_code == 200
            assert len(response.get_json()) == 7
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


def test_a_conftest_sets_the_plugins_of_a_folder_and_the_marker_still_wins(pytester):
    pytester.makeini(INI)
    pytester.makeconftest(
        """
        import pytest


        @pytest.fixture
        def gongzhi_plugins():
            return ["example"]


        @pytest.fixture
        def gongzhi_settings():
            return {"example": {"model_villages": ["500243001001"]}}
        """
    )
    pytester.makepyfile(
        test_folder="""
        import pytest


        def test_the_folder_default(gongzhi_runtime):
            assert gongzhi_runtime.plugins.names == ["example"]
            settings = gongzhi_runtime.plugins.get("example").settings
            assert settings["model_villages"] == ["500243001001"]


        @pytest.mark.gongzhi_plugins()
        def test_a_marker_without_plugins_turns_them_off(gongzhi_runtime):
            assert gongzhi_runtime.plugins.names == []


        @pytest.mark.gongzhi_plugins("points")
        class TestPoints:
            def test_a_class_marker(self, gongzhi_runtime):
                assert gongzhi_runtime.plugins.names == ["points"]
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(passed=3)


def test_a_misused_marker_fails_the_test_with_a_chinese_message(pytester):
    pytester.makeini(INI)
    pytester.makepyfile(
        test_misused="""
        import pytest


        @pytest.mark.gongzhi_plugins("example", setting={"example": {}})
        def test_a_misspelled_keyword(gongzhi_runtime):
            pass


        @pytest.mark.gongzhi_plugins(42)
        def test_a_number_for_a_name(gongzhi_runtime):
            pass
        """
    )
    result = pytester.runpytest()
    result.assert_outcomes(errors=2)
    result.stdout.fnmatch_lines(
        [
            "*标记 gongzhi_plugins 只接受参数 settings，不认识：setting*",
            "*标记 gongzhi_plugins 的插件名必须是字符串：42*",
        ]
    )


# --- the fixtures themselves ---------------------------------------------------------------


def test_the_accounts_sit_where_their_roles_say(gongzhi_runtime):
    with gongzhi_runtime.db.new_session() as session:
        accounts = {a.username: a for a in session.scalars(select(Account))}
    assert {name: (a.scope_code, tuple(a.roles)) for name, a in accounts.items()} == ACCOUNTS
    assert ACCOUNTS["county"][0] == COUNTY[0]
    assert ACCOUNTS["neighbour"][0] == NEIGHBOUR != VILLAGE
    assert VILLAGE.startswith(TOWN[:9]) and NEIGHBOUR.startswith(TOWN[:9])


def test_client_as_logs_in_each_role_and_the_village_sees_only_its_own_residents(
    gongzhi_runtime, client_as
):
    with gongzhi_runtime.db.transaction() as session:
        own = add_person(session, "张三", VILLAGE, 11).id
        neighbours = add_person(session, "李四", NEIGHBOUR, 13).id
    for who in ("county_admin", "town_admin", "village_admin", "neighbour"):
        assert client_as(who).get("/admin/").status_code == 200, who
    village = client_as("village_admin")
    assert village.get(f"/admin/person/details/?id={own}").status_code == 200
    assert village.get(f"/admin/person/details/?id={neighbours}").status_code == 404
    town = client_as("town_admin")
    assert town.get(f"/admin/person/details/?id={neighbours}").status_code == 200


def test_an_anonymous_client_is_sent_to_the_login_page(gongzhi_app):
    response = gongzhi_app.test_client().get("/admin/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_client_as_an_unknown_account_fails_loudly(client_as):
    with pytest.raises(AssertionError, match="login as nobody failed"):
        client_as("nobody")


def test_api_client_as_keeps_a_village_inside_its_village(gongzhi_runtime, api_client_as):
    with gongzhi_runtime.db.transaction() as session:
        neighbours = add_person(session, "李四", NEIGHBOUR, 13).id
    village = api_client_as("village_admin")
    codes = [item["code"] for item in village.get("/api/v1/localities").get_json()]
    assert codes == [VILLAGE]
    assert village.get(f"/api/v1/persons/{neighbours}").status_code == 404
    assert api_client_as("neighbour").get(f"/api/v1/persons/{neighbours}").status_code == 200


def test_the_app_is_in_testing_mode_with_csrf_protection_on(gongzhi_app):
    assert gongzhi_app.config["TESTING"] is True
    response = gongzhi_app.test_client().post(
        "/login", data={"username": "county", "password": core.testing.PASSWORD}
    )
    assert response.status_code == 400


@pytest.mark.gongzhi_plugins("example")
def test_principal_gives_workflows_their_actor(gongzhi_runtime):
    from gongzhi_example.models import Suggestion

    with gongzhi_runtime.db.transaction() as session:
        suggestion = Suggestion(title="路灯", body="坏了", locality_code=VILLAGE)
        session.add(suggestion)
        session.flush()
        workflow = Suggestion.__workflow__
        workflow.apply(
            suggestion, "accept", principal(gongzhi_runtime, session, "village"), session
        )
        suggestion.answer = "已修好"
        with pytest.raises(WorkflowError, match="权限"):
            workflow.apply(
                suggestion, "answer", principal(gongzhi_runtime, session, "village"), session
            )
        workflow.apply(
            suggestion, "answer", principal(gongzhi_runtime, session, "town_admin"), session
        )
        assert suggestion.state == "answered"
        with pytest.raises(LookupError, match="没有用户名为 nobody 的账号"):
            principal(gongzhi_runtime, session, "nobody")


def test_the_module_docstring_and_docs_name_every_plugin_author_fixture():
    guide = GUIDE.read_text("utf-8")
    for name in (
        "gongzhi_plugins",
        "gongzhi_settings",
        "gongzhi_runtime",
        "gongzhi_app",
        "client_as",
        "api_client_as",
    ):
        assert name in core.testing.__doc__, name
        assert f"`{name}" in guide, name


def test_the_guides_example_tests_pass_as_written(pytester):
    guide = GUIDE.read_text("utf-8")
    section = guide.split("## A plugin's tests, by example", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.DOTALL)
    assert len(blocks) == 2
    pytester.makeini(INI)
    pytester.makepyfile(test_guide="\n\n".join(blocks))
    result = pytester.runpytest()
    result.assert_outcomes(passed=5)
