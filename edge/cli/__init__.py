"""The `edge-alpr` command. Each subcommand lives in its own module beside this one."""

from __future__ import annotations

import sqlite3
import sys

import click

from edge import __version__
from edge.config import ConfigError
from edge.errors import EdgeError, FieldError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="edge-alpr")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug). Logs never carry plate text.")
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    envvar="EDGE_ALPR_LOG_FORMAT",
    show_default=True,
    help="Log lines on stderr as text or one JSON object per line (env EDGE_ALPR_LOG_FORMAT).",
)
def main(verbose: int, log_format: str) -> None:
    """Licence-plate recognition at the edge whose every read, share and search is accounted for.

    \b
    Example:
      edge-alpr replay samples/sample.mp4 --db data/demo.db
      edge-alpr config check config/example.yaml
    """
    from edge.logs import setup

    setup(verbose, "json" if log_format == "json" else "text")  # plate text is redacted from every line


def _register() -> None:
    from edge.cli.audit import audit_group
    from edge.cli.cameras import cameras_cmd
    from edge.cli.config_cmd import config_group
    from edge.cli.eval_cmd import eval_cmd
    from edge.cli.hotlist import hotlist_group
    from edge.cli.models import models_group
    from edge.cli.read import read_cmd
    from edge.cli.replay import replay
    from edge.cli.retention import retention_group
    from edge.cli.run import run_cmd
    from edge.cli.search import search
    from edge.cli.share import share_group
    from edge.cli.status import status_cmd

    main.add_command(replay)
    main.add_command(read_cmd)
    main.add_command(eval_cmd)
    main.add_command(read_cmd)
    main.add_command(config_group)
    main.add_command(models_group)
    main.add_command(retention_group)
    main.add_command(audit_group)
    main.add_command(search)
    main.add_command(run_cmd)
    main.add_command(cameras_cmd)
    main.add_command(hotlist_group)
    main.add_command(share_group)
    main.add_command(status_cmd)


_register()


def run() -> None:
    """Entry point: user-facing errors go to stderr with a non-zero exit, never a traceback."""
    try:
        main.main(standalone_mode=False)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(130)
    except ConfigError as exc:
        click.echo(f"error: invalid configuration:\n{exc}", err=True)
        sys.exit(2)
    except FieldError as exc:
        click.echo(f"error: {exc.for_flags()}", err=True)  # the core names fields; here they are flags
        sys.exit(exc.exit_code)
    except EdgeError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(exc.exit_code)
    except sqlite3.DatabaseError as exc:
        # a damaged or foreign store/ledger file met somewhere below the command: a message, not a traceback
        hint = ""
        if any(w in str(exc) for w in ("malformed", "not a database", "corrupt")):
            hint = "; a store or ledger file is damaged: check it with `sqlite3 FILE 'PRAGMA integrity_check'`"
        click.echo(f"error: database error: {exc}{hint}", err=True)
        sys.exit(1)
