"""Command line: ``qa index``, ``qa ask``, ... Library errors become one line and an exit code."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from qa.errors import QAError


def parser() -> argparse.ArgumentParser:
    """The whole command line; each command module adds its subparser and sets its handler as ``func``."""
    # Command modules import nothing heavy at top level, so ``qa --help`` stays fast.
    from qa.cli import ask, bench, chat, doctor, evaluate, index, serve

    root = argparse.ArgumentParser(
        prog="qa", description="Ask questions about a folder of documents, with cited answers."
    )
    sub = root.add_subparsers(dest="command", required=True)
    root.set_defaults(_subparsers=sub)
    for module in (index, ask, chat, serve, doctor, evaluate, bench):
        module.register(sub)
    return root


class _StderrHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Writes to whatever ``sys.stderr`` is at the time of the record, never a stale stream.

    ``main()`` runs in-process in tests, where stderr is swapped per test; a handler holding
    the first test's stream would later write into a closed file.
    """

    @property  # type: ignore[override]
    def stream(self) -> object:
        return sys.stderr

    @stream.setter
    def stream(self, _value: object) -> None:
        pass


def setup_logging() -> None:
    """Show our warnings as one line each; libraries only when something failed."""
    handler = _StderrHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s: %(message)s"))
    handler.addFilter(lambda r: r.levelno >= (logging.WARNING if r.name.startswith("qa") else logging.ERROR))
    root = logging.getLogger()
    # Replace only our own handler (a second main() in one process must not print twice);
    # handlers others installed, such as pytest's log capture, stay.
    root.handlers[:] = [h for h in root.handlers if not isinstance(h, _StderrHandler)] + [handler]
    root.setLevel(logging.WARNING)
    logging.addLevelName(logging.WARNING, "warning")
    logging.addLevelName(logging.ERROR, "error")


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """Return the parsed arguments; a mistake is reported with the usage of the command it belongs to.

    argparse leaves options it does not know to the top-level parser, which would print
    ``qa``'s usage for ``qa ask --jsn x``; the subcommand's own usage says what it takes.
    """
    root = parser()
    args, extra = root.parse_known_args(argv)
    if extra:
        choices = args._subparsers.choices
        choices[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    del args._subparsers
    return args


def console(argv: Sequence[str] | None = None) -> None:
    """The ``qa`` console script (``python -m qa``, app.py): the one place that configures logging."""
    setup_logging()
    sys.exit(main(argv))


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return its exit code. Library errors become one line, never a traceback.

    Logging is left as the caller has it: a program or a test calling ``main()`` keeps its own.
    """
    args = parse(argv)
    try:
        code: int = args.func(args)
        return code
    except QAError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        if args.command == "index":
            # The new generation is only published when complete: nothing the chat reads has changed.
            print("interrupted: the index was not changed; the previous one is still in use", file=sys.stderr)
        else:
            print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # a bug, not a user mistake: one line unless debugging
        if os.environ.get("QA_DEBUG"):
            raise
        print(f"internal error: {type(exc).__name__}: {str(exc)[:200]} (set QA_DEBUG=1 for details)", file=sys.stderr)
        return 70


if __name__ == "__main__":
    console()
