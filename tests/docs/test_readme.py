"""The README's examples are what a new user pastes: every `edge-alpr` line in its bash blocks must be
one command (no shell pipes between subcommands) whose subcommands and options exist and parse."""

from __future__ import annotations

import re
import shlex
import warnings
from pathlib import Path

import click
import pytest

from edge.cli import main

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"


def readme_commands() -> list[str]:
    """`edge-alpr ...` lines of the README's bash blocks, continuation lines joined, comments cut."""
    text = README.read_text(encoding="utf-8")
    out: list[str] = []
    for block in re.findall(r"```bash\n(.*?)```", text, flags=re.DOTALL):
        joined = re.sub(r"\\\n\s*", " ", block)
        out += [line.strip() for line in joined.splitlines() if line.strip().startswith("edge-alpr ")]
    return out


def parse(line: str) -> click.Context:
    """Resolve a README line to its command and parse its arguments as click would (nothing runs)."""
    lexer = shlex.shlex(line, posix=True, punctuation_chars="|;&<>")
    lexer.whitespace_split = True
    lexer.commenters = "#"
    words = list(lexer)
    assert not set(words) & {"|", "||", ";", "&", "&&"}, f"{line!r} is more than one command when pasted"
    if ">" in words:
        words = words[: words.index(">")]
    cmd: click.Command = main
    ctx = cmd.make_context("edge-alpr", words[1:])
    while isinstance(cmd, click.Group):
        with warnings.catch_warnings():  # protected_args: deprecated in Click 8.2, the only way before 9
            warnings.simplefilter("ignore", DeprecationWarning)
            rest = [*ctx.protected_args, *ctx.args]
        assert rest, f"{line!r}: no subcommand"
        sub = cmd.get_command(ctx, rest[0])
        assert sub is not None, f"{line!r}: no command {rest[0]!r}"
        cmd = sub
        ctx = cmd.make_context(rest[0], rest[1:], parent=ctx)
    return ctx


def test_the_readme_has_examples() -> None:
    lines = readme_commands()
    assert len(lines) >= 15
    assert any(line.startswith("edge-alpr search ") for line in lines)


@pytest.mark.parametrize("line", readme_commands())
def test_each_readme_example_parses_as_one_command(line: str) -> None:
    parse(line)


def test_the_search_example_names_a_config_that_allows_searches_and_a_store() -> None:
    for line in readme_commands():
        if line.startswith("edge-alpr search "):
            params = parse(line).params
            assert params["config_path"] is not None, line
            assert params["db"] is not None, line


def test_a_pipe_between_subcommands_is_caught() -> None:
    with pytest.raises(AssertionError, match="more than one command"):
        parse("edge-alpr models list | verify")


def test_the_readme_says_the_test_script_needs_root() -> None:
    text = README.read_text(encoding="utf-8")
    assert "sudo bash scripts/test.sh" in text
    assert "needs root" in text
