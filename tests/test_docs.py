"""The docs keep up with the code: every hook documented and tested, every README command real."""

from __future__ import annotations

import inspect
import re
import shlex
from pathlib import Path

import click

from core import hookspecs
from hostapp.cli import main

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"
HOOKS_DOC = ROOT / "docs" / "hooks.md"
README = ROOT / "README.md"

HOOK_HEADING = re.compile(r"^### `(\w+)`[ \t]*$", re.MULTILINE)
ANY_HEADING = re.compile(r"^#{1,6} ", re.MULTILINE)
FENCED_BLOCK = re.compile(r"^```[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)
HOOK_TEST = re.compile(r"def (test_hook_\w+)")


def hook_specs() -> dict[str, str]:
    """Every core hook specification, in file order, with its signature as the docs show it."""
    return {
        name: f"def {name}{inspect.signature(function)}"
        for name, function in vars(hookspecs).items()
        if inspect.isfunction(function) and hasattr(function, "gongzhi_spec")
    }


def hook_sections(text: str) -> dict[str, str]:
    """``### `name``` sections of a Markdown text, each up to the next heading of any level."""
    sections: dict[str, str] = {}
    for match in HOOK_HEADING.finditer(text):
        following = ANY_HEADING.search(text, match.end())
        end = following.start() if following else len(text)
        sections[match[1]] = text[match.end() : end]
    return sections


def test_the_core_declares_hooks_at_all():
    assert len(hook_specs()) >= 5, "no hook specifications found in core.hookspecs"


def test_every_hook_is_documented_with_its_exact_signature():
    text = HOOKS_DOC.read_text(encoding="utf-8")
    sections = hook_sections(text)
    problems = []
    for name, signature in hook_specs().items():
        if name not in sections:
            problems.append(f"{name}: no '### `{name}`' section")
            continue
        blocks = FENCED_BLOCK.findall(sections[name])
        if not any(signature in block for block in blocks):
            problems.append(f"{name}: no code block in its section contains {signature}")
    assert not problems, "docs/hooks.md is out of date:\n" + "\n".join(problems)


def test_the_hook_reference_documents_no_hook_that_does_not_exist():
    documented = HOOK_HEADING.findall(HOOKS_DOC.read_text(encoding="utf-8"))
    unknown = sorted(set(documented) - set(hook_specs()))
    duplicated = sorted({name for name in documented if documented.count(name) > 1})
    assert not unknown, f"docs/hooks.md documents hooks that core.hookspecs lacks: {unknown}"
    assert not duplicated, f"docs/hooks.md documents these hooks twice: {duplicated}"


def test_the_hook_reference_follows_the_order_of_core_hookspecs():
    documented = HOOK_HEADING.findall(HOOKS_DOC.read_text(encoding="utf-8"))
    expected = [name for name in hook_specs() if name in documented]
    assert documented == expected, "docs/hooks.md lists the hooks in another order than the file"


def hook_test_names() -> list[str]:
    """Names of ``test_hook_*`` functions in the suite, outside this file and the example plugin."""
    names = []
    for path in sorted(TESTS.rglob("*.py")):
        relative = path.relative_to(TESTS)
        if relative.parts[0] == "example_plugin" or path.resolve() == Path(__file__).resolve():
            continue
        names.extend(HOOK_TEST.findall(path.read_text(encoding="utf-8")))
    return names


def hook_of_test(test_name: str, hooks: list[str]) -> str | None:
    """The hook a ``test_hook_<hook>[_more]`` test is about (the longest matching hook name)."""
    suffix = test_name.removeprefix("test_hook_")
    matches = [h for h in hooks if suffix == h or suffix.startswith(h + "_")]
    return max(matches, key=len) if matches else None


def test_every_hook_is_exercised_by_a_test_named_after_it():
    hooks = list(hook_specs())
    tested = {hook_of_test(name, hooks) for name in hook_test_names()}
    untested = [hook for hook in hooks if hook not in tested]
    assert not untested, (
        "hooks without a test named test_hook_<hook>[_...] under tests/: " + ", ".join(untested)
    )


# --- README commands -------------------------------------------------------------------------

INLINE_CODE = re.compile(r"`([^`\n]+)`")
GONGZHI_CALL = re.compile(r"(?:^|[\s/])gongzhi[ \t]+([^\n]*)")
PLACEHOLDER = re.compile(r"^[A-Z][A-Z_]*$")
SHELL_BREAK = {"|", "||", "&&", ";", ">", "2>", "#"}


def readme_code() -> list[str]:
    """Every piece of code in the README: lines of fenced blocks, then inline code spans."""
    text = README.read_text(encoding="utf-8")
    pieces: list[str] = []
    for block in FENCED_BLOCK.findall(text):
        pieces.extend(block.replace("\\\n", " ").splitlines())
    pieces.extend(INLINE_CODE.findall(FENCED_BLOCK.sub("", text)))
    return pieces


def readme_commands() -> list[str]:
    """The argument part of every ``gongzhi ...`` call shown in the README's code."""
    return [match for piece in readme_code() for match in GONGZHI_CALL.findall(piece)]


def _options(command: click.Command) -> dict[str, bool]:
    """Option name -> whether it takes a value, for ``command``."""
    options = {"--help": False}
    for param in command.params:
        if isinstance(param, click.Option):
            takes_value = not (param.is_flag or param.count)
            for name in (*param.opts, *param.secondary_opts):
                options[name] = takes_value
    return options


def walk_command(arguments: str) -> tuple[list[str], str | None]:
    """Follow ``gongzhi <arguments>`` through the click groups.

    Returns the command path reached (``["db", "upgrade"]``) and why the line is not a real
    command line, or ``None`` if it is. Arguments and placeholders (``FILE``, ``COMMAND``,
    ``...``) are accepted; command and option names must exist.
    """
    try:
        tokens = shlex.split(arguments)
    except ValueError as exc:
        return [], f"cannot be parsed: {exc}"
    command: click.Command = main
    path: list[str] = []
    waiting_for_value = False
    for token in tokens:
        if token in SHELL_BREAK or token.startswith("#"):
            break
        if waiting_for_value:
            waiting_for_value = False
            continue
        if token == "...":
            continue
        if token.startswith("-"):
            name = token.split("=", 1)[0]
            options = _options(command)
            if name not in options:
                return path, f"{' '.join(['gongzhi', *path])} has no option {name}"
            waiting_for_value = options[name] and "=" not in token
            continue
        if not isinstance(command, click.Group):
            continue  # an argument of the command
        if PLACEHOLDER.match(token):
            break  # ``COMMAND``: any command
        sub = command.commands.get(token)
        if sub is None:
            return path, f"{' '.join(['gongzhi', *path])} has no command {token!r}"
        command = sub
        path.append(token)
    return path, None


def test_every_gongzhi_command_in_the_readme_exists():
    commands = readme_commands()
    assert len(commands) >= 5, "the README shows hardly any gongzhi commands"
    problems = [
        f"`gongzhi {arguments}`: {problem}"
        for arguments in commands
        if (problem := walk_command(arguments)[1])
    ]
    assert not problems, "README.md shows commands that do not exist:\n" + "\n".join(problems)


def test_the_readme_shows_every_top_level_command():
    main_module = main.callback.__module__
    shown = {path[0] for arguments in readme_commands() if (path := walk_command(arguments)[0])}
    # Only the host's own commands: plugins add theirs to the group once a config is loaded.
    own = [name for name, cmd in main.commands.items() if cmd.callback.__module__ == main_module]
    missing = [name for name in own if name not in shown]
    assert not missing, f"README.md shows no `gongzhi` call for these commands: {missing}"


def test_the_readme_command_check_catches_a_misspelled_command():
    assert walk_command("--config configs/demo.toml db upgrade") == (["db", "upgrade"], None)
    assert walk_command("--config=configs/demo.toml plugins") == (["plugins"], None)
    assert walk_command("import persons FILE --dry-run") == (["import", "persons"], None)
    assert walk_command("--config FILE COMMAND") == ([], None)
    assert walk_command("db upgarde")[1] == "gongzhi db has no command 'upgarde'"
    assert walk_command("--konfig x.toml plugins")[1] == "gongzhi has no option --konfig"
    assert walk_command("audit verify --everything")[1] is not None
