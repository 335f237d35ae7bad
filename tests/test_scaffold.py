"""`gongzhi plugin new NAME` gives a plugin author a package that installs, enables and passes its
own tests without edits, and refuses names and folders it must not use."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest
from click.testing import CliRunner

from core.config import CONFIG_ENV
from core.scaffold import (
    MAX_NAME_LENGTH,
    MAX_TITLE_LENGTH,
    ScaffoldError,
    scaffold,
    template_files,
    template_values,
    validate_name,
    validate_title,
)
from hostapp.cli import main

BIN = Path(sys.executable).parent
OFFLINE = ["--no-deps", "--no-build-isolation", "--no-index"]
EXPECTED_FILES = {
    "README.md",
    "pyproject.toml",
    "gongzhi_garden/__init__.py",
    "gongzhi_garden/plugin.py",
    "gongzhi_garden/models.py",
    "gongzhi_garden/settings.py",
    "gongzhi_garden/admin.py",
    "gongzhi_garden/api.py",
    "gongzhi_garden/schemas.py",
    "gongzhi_garden/portal.py",
    "gongzhi_garden/demo.py",
    "gongzhi_garden/templates/garden/items.html",
    "gongzhi_garden/migrations/versions/garden_0001_initial.py",
    "tests/conftest.py",
    "tests/test_garden.py",
}


def files_under(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()}


def clean_environment(**extra: str) -> dict[str, str]:
    """This process's environment without the test database, config and pytest options."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"GONGZHI_TEST_DATABASE_URL", CONFIG_ENV, "PYTEST_ADDOPTS"}
    }
    env.update(extra)
    return env


# --- the command -----------------------------------------------------------------------------


def test_plugin_new_writes_a_complete_package_without_a_config(tmp_path, monkeypatch):
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    result = CliRunner().invoke(
        main, ["plugin", "new", "garden", "--path", str(tmp_path), "--title", "菜园"]
    )
    assert result.exit_code == 0, result.output
    folder = tmp_path / "gongzhi-garden"
    assert f"已新建插件 garden：{folder}" in result.output
    assert files_under(folder) == EXPECTED_FILES
    plugin = (folder / "gongzhi_garden" / "plugin.py").read_text("utf-8")
    assert 'name="garden"' in plugin and 'title="菜园"' in plugin
    pyproject = (folder / "pyproject.toml").read_text("utf-8")
    assert '[project.entry-points."gongzhi.plugins"]\ngarden = "gongzhi_garden.plugin"' in pyproject
    migration = (folder / "gongzhi_garden/migrations/versions/garden_0001_initial.py").read_text(
        "utf-8"
    )
    assert 'branch_labels: str | Sequence[str] | None = ("garden",)' in migration
    assert 'depends_on: str | Sequence[str] | None = "core_0001"' in migration


def test_plugin_new_refuses_to_overwrite_an_existing_folder(tmp_path):
    existing = tmp_path / "gongzhi-garden"
    existing.mkdir()
    (existing / "notes.txt").write_text("mine", "utf-8")
    result = CliRunner().invoke(main, ["plugin", "new", "garden", "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert f"目录 {existing} 已存在：脚手架不会覆盖已有的文件" in result.output
    assert files_under(existing) == {"notes.txt"}


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Garden", "插件名 'Garden' 不合法：必须以小写英文字母开头"),
        ("village-compact", "插件名 'village-compact' 不合法"),
        ("1garden", "插件名 '1garden' 不合法"),
        ("菜园", "插件名 '菜园' 不合法"),
        ("garden_", "不能以下划线结尾，也不能含连续的下划线"),
        ("import", "插件名 'import' 是 Python 关键字"),
        ("match", "插件名 'match' 是 Python 关键字"),
        ("points", "已安装的插件中已有 points"),
        ("example", "已安装的插件中已有 example"),
        ("core", "已被共治平台自身使用"),
        ("serve", "已被共治平台自身使用"),
        ("a" * (MAX_NAME_LENGTH + 1), f"太长：不能超过 {MAX_NAME_LENGTH} 个字符"),
    ],
)
def test_plugin_new_refuses_a_bad_name_with_a_chinese_reason(tmp_path, name, message):
    result = CliRunner().invoke(main, ["plugin", "new", name, "--path", str(tmp_path)])
    assert result.exit_code == 1
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_name_is_refused_when_its_python_package_exists_already(tmp_path, monkeypatch):
    validate_name("orchard")
    (tmp_path / "gongzhi_orchard").mkdir()
    (tmp_path / "gongzhi_orchard" / "__init__.py").write_text("", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(ScaffoldError, match="当前环境中已有 Python 包 gongzhi_orchard"):
        validate_name("orchard")


def test_the_command_names_of_gongzhi_are_refused_too():
    with pytest.raises(ScaffoldError, match="已被共治平台自身使用"):
        validate_name("audit", reserved=main.commands)
    validate_name("audit_trail", reserved=main.commands)


@pytest.mark.parametrize(
    ("title", "message"),
    [
        ("", "插件标题不能为空"),
        (" 菜园", "开头和结尾不能有空格"),
        ("菜" * 13, "插件标题太长"),
        ('菜"园', "插件标题不能包含引号、反斜杠或控制字符：'\"'"),
        ("菜\n园", "插件标题不能包含引号、反斜杠或控制字符"),
    ],
)
def test_a_bad_title_is_refused(title, message):
    with pytest.raises(ScaffoldError, match=message):
        validate_title(title)


def test_every_template_renders_with_every_placeholder_known():
    values = template_values("garden", "菜园", dt.date(2026, 11, 23))
    assert values["model"] == "GardenItem"
    assert values["table"] == "garden_item"
    assert values["requires_core"] == ">=0.1,<1"
    assert {str(path) for path in template_files()} >= {
        "gongzhi_{name}/plugin.py.tmpl",
        "gongzhi_{name}/migrations/versions/{name}_0001_initial.py.tmpl",
        "tests/test_{name}.py.tmpl",
    }


@pytest.mark.parametrize(
    ("name", "title"), [("ab", "甲"), ("village_compact", "村规民约"), ("p" * 16, "一" * 12)]
)
def test_the_package_is_lint_clean_in_the_house_style_whatever_the_name(tmp_path, name, title):
    folder = scaffold(name, tmp_path, title=title)
    for command in (["check", "--quiet", "."], ["format", "--check", "--quiet", "."]):
        done = subprocess.run(
            [str(BIN / "ruff"), *command], cwd=folder, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stdout + done.stderr


# --- installed in a fresh environment -----------------------------------------------------------


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> dict[str, Path]:
    """The scaffolded plugin ``garden`` installed (not editable) into a throwaway venv that sees
    this environment's packages: offline, with no dependency resolution."""
    root = tmp_path_factory.mktemp("scaffold")
    folder = scaffold("garden", root, title="菜园")
    venv = root / "venv"
    subprocess.run(
        [sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)],
        check=True,
    )
    python = venv / "bin" / "python"
    site = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    # A venv made from a venv sees the base interpreter's site-packages, not ours: link ours
    # (with the .pth files of its editable installs) explicitly.
    ours = sysconfig.get_paths()["purelib"]
    (Path(site) / "gongzhi-parent.pth").write_text(f"import site; site.addsitedir({ours!r})\n")
    install = subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", *OFFLINE, str(folder)],
        capture_output=True,
        text=True,
        env=clean_environment(PIP_DISABLE_PIP_VERSION_CHECK="1"),
    )
    assert install.returncode == 0, install.stdout + install.stderr
    return {"folder": folder, "python": python, "site": Path(site), "root": root}


def run_in(installed: dict[str, Path], *arguments: str, cwd: Path | None = None):
    return subprocess.run(
        [str(installed["python"]), "-P", *arguments],
        cwd=cwd or installed["root"],
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=300,
    )


def test_the_package_is_installed_from_its_wheel_with_its_migrations_and_templates(installed):
    package = installed["site"] / "gongzhi_garden"
    assert (package / "migrations" / "versions" / "garden_0001_initial.py").is_file()
    assert (package / "templates" / "garden" / "items.html").is_file()
    done = run_in(installed, "-c", "import gongzhi_garden; print(gongzhi_garden.__file__)")
    assert done.stdout.strip() == str(package / "__init__.py"), done.stderr


def test_the_scaffolded_plugin_passes_its_own_tests_without_edits(installed):
    done = run_in(
        installed, "-m", "pytest", "-q", "-p", "no:cacheprovider", cwd=installed["folder"]
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    tests = (installed["folder"] / "tests" / "test_garden.py").read_text("utf-8")
    summary = done.stdout.strip().splitlines()[-1]
    assert re.match(rf"{tests.count(chr(10) + 'def test_')} passed in ", summary), summary


def test_gongzhi_enables_migrates_and_lists_the_installed_plugin(installed):
    config = installed["root"] / "garden.toml"
    database = installed["root"] / "garden.db"
    config.write_text(
        "[deployment]\n"
        'name = "菜园试点"\n'
        'locality_code = "500243000000"\n'
        'locality_name = "彭水苗族土家族自治县"\n'
        f'database_url = "sqlite:///{database}"\n'
        "\n[plugins]\n"
        'enabled = ["garden"]\n'
        "\n[plugins.garden]\n"
        "portal_limit = 5\n",
        "utf-8",
    )
    cli = ["-c", "from hostapp.cli import main; main()", "--config", str(config)]
    listed = run_in(installed, *cli, "plugins")
    assert listed.returncode == 0, listed.stderr
    assert "garden 0.1.0  菜园  [已启用]" in listed.stdout
    upgraded = run_in(installed, *cli, "db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    assert "garden_0001" in upgraded.stdout


def test_the_plugin_authors_guide_describes_the_scaffold_as_it_is(tmp_path):
    guide = (Path(__file__).resolve().parents[1] / "docs" / "plugins.md").read_text("utf-8")
    section = guide.split("## Scaffolding a plugin / 用脚手架新建插件", 1)[1].split("\n## ", 1)[0]
    assert f"most {MAX_NAME_LENGTH} characters" in section
    assert f"at most {MAX_TITLE_LENGTH} characters" in section
    # The guide scaffolds "compact", which may be installed here already: compare with "garden".
    folder = scaffold("garden", tmp_path, title="菜园")
    for path in files_under(folder):
        shown = Path(path).name.replace("garden", "compact")
        assert shown in section, f"docs/plugins.md does not show {shown}"
