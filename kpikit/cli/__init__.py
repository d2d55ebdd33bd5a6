"""The ``kpikit`` command.

Every user error ends with a one-paragraph message on stderr and exit code 2,
never a traceback.

The package: :mod:`.parser` defines the arguments; :mod:`.data`, :mod:`.plans`,
:mod:`.analysis` and :mod:`.runs` hold the commands; they share :mod:`.tables` (text
tables), :mod:`.options` (option files) and :mod:`.warnings_out`. Helpers never import
commands, and nothing in the package imports this module.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

from kpikit.cli.data import (
    VALIDATION_SCHEMA,
    VALIDATION_SCHEMA_VERSION,
    validation_document,
    write_table,
)
from kpikit.cli.parser import build
from kpikit.cli.warnings_out import error_label, show_warnings
from kpikit.errors import KpikitError
from kpikit.i18n.lang import LANGS, language, resolve_lang, using_language

__all__ = ["EXIT_ERROR", "VALIDATION_SCHEMA", "VALIDATION_SCHEMA_VERSION", "build_parser",
           "main", "validation_document"]

EXIT_ERROR = 2

# the name older code and tests import from here
_write_table = write_table


def _speak(parser: argparse.ArgumentParser, lang: str) -> argparse.ArgumentParser:
    """Give ``parser`` (and its sub-commands) the help texts of ``lang``."""
    if lang == "en":  # the help is written in English
        return parser
    from kpikit.i18n.cli_words import help_words

    words = help_words(lang)  # from lang's catalog: any language, English where untranslated

    def walk(p: argparse.ArgumentParser) -> None:
        p.description = words.get(p.description or "", p.description)
        for action in p._actions:
            if isinstance(action.help, str):
                action.help = words.get(action.help, action.help)
            if isinstance(action, argparse._SubParsersAction):
                for choice in action._choices_actions:
                    choice.help = words.get(choice.help or "", choice.help)
                for sub in dict.fromkeys(action.choices.values()):
                    walk(sub)

    walk(parser)
    return parser


def _lang_of(argv: Sequence[str]) -> str:
    """The language asked for on the command line (``--lang vi``), else the current one."""
    args = list(argv)
    for i, a in enumerate(args):
        given = a.split("=", 1)[1] if a.startswith("--lang=") else (
            args[i + 1] if a == "--lang" and i + 1 < len(args) else None)
        if given in LANGS:
            return given
    return language()


@contextmanager
def _argparse_words(lang: str) -> Iterator[None]:
    """argparse's own words (usage, options, its errors) in ``lang`` while parsing.

    argparse asks the module-level gettext function ``argparse._`` for each of them;
    it has no other hook, so that function is swapped for the block.
    """
    if lang == "en":
        yield
        return
    from kpikit.i18n.cli_words import argparse_words

    words = argparse_words(lang)
    original = argparse._
    argparse._ = lambda text: words.get(text, original(text))  # type: ignore[attr-defined]
    try:
        yield
    finally:
        argparse._ = original  # type: ignore[attr-defined]


def build_parser(lang: str | None = None) -> argparse.ArgumentParser:
    """Return the argument parser of the ``kpikit`` command, its help in ``lang``."""
    lang = resolve_lang(lang)
    with _argparse_words(lang):  # its section titles are fixed when it is made
        return _speak(build(), lang)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``kpikit`` command; return its exit code."""
    argv = sys.argv[1:] if argv is None else list(argv)
    asked = _lang_of(argv)
    parser = build_parser(asked)
    with _argparse_words(asked):
        args = parser.parse_args(argv)
    args.lang_given = getattr(args, "lang", None) is not None
    args.lang = getattr(args, "lang", None) or language()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from kpikit.i18n.formats import check_lang

            lang = check_lang(args.lang)
        except KpikitError as e:
            args.lang = "en"
            print(f"error: {e}", file=sys.stderr)
            return EXIT_ERROR
        try:
            with using_language(lang):
                code = args.func(args)
        except KpikitError as e:
            # a batch may have switched args.lang to its spec's language
            show_warnings(caught, args.lang)
            print(f"{error_label(args.lang)}: {e}", file=sys.stderr)
            return EXIT_ERROR
        except BrokenPipeError:  # `kpikit compute ... | head`
            return 0
    show_warnings(caught, args.lang)
    return code
