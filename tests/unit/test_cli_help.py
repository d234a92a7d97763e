"""`banxing <command> --help` is what a county's IT person reads at the server: every option says
what it is for, not just its name."""
from __future__ import annotations

import argparse

from server.cli import build_parser


def test_every_option_of_every_command_says_what_it_is_for() -> None:
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    silent = [f"{name} {'/'.join(action.option_strings)}"
              for name, parser in commands.choices.items() for action in parser._actions
              if action.option_strings and not isinstance(action, argparse._HelpAction) and not action.help]
    assert silent == []
