"""Spanish and English: catalogs complete and up to date, locale formatting, languages.

When a catalog test fails, run ``bash scripts/update-translations.sh``, translate what it
lists in ``geo/locale/es/LC_MESSAGES/zonas.po`` and commit the catalogs.
"""

from __future__ import annotations

import argparse
import ast
import functools
import math
import os
import re
import string
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from geo import i18n
from geo.i18n import (
    _,
    argparse_in_language,
    format_date,
    format_list,
    format_number,
    format_percent,
    format_period,
    format_range,
    get_language,
    language_from_accept,
    language_from_env,
    language_from_params,
    ngettext,
    normalize_language,
    set_language,
    use_language,
)

REPO = Path(__file__).resolve().parents[1]
LOCALE = REPO / "geo" / "locale"
CATALOGS = {
    "zonas.pot": LOCALE / "zonas.pot",
    "es": LOCALE / "es" / "LC_MESSAGES" / "zonas.po",
    "en": LOCALE / "en" / "LC_MESSAGES" / "zonas.po",
}
FIX = "run `bash scripts/update-translations.sh`, translate, commit geo/locale"

Key = tuple[str | None, str | tuple[str, ...]]


def _read(path: Path) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle)


def _key(context: str | None, msgid: str | tuple[str, ...]) -> Key:
    return (context, tuple(msgid) if isinstance(msgid, list | tuple) else msgid)


@functools.cache
def _code_messages() -> dict[Key, list[str]]:
    """Extract the messages of the code now, exactly as babel.cfg says; key → locations."""
    with (REPO / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found: dict[Key, list[str]] = {}
    for filename, lineno, msgid, _comments, context in extract_from_dir(
        str(REPO), method_map, options_map, keywords={}
    ):
        found.setdefault(_key(context, msgid), []).append(f"{filename}:{lineno}")
    return found


def _entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


# ---------------------------------------------------------------------- catalogs
@pytest.mark.parametrize("name", list(CATALOGS))
def test_catalog_matches_the_strings_in_the_code(name: str) -> None:
    in_code = _code_messages()
    in_catalog = {_key(m.context, m.id) for m in _entries(_read(CATALOGS[name]))}
    missing = sorted(
        f"{key[1]!r} ({', '.join(in_code[key])})" for key in in_code.keys() - in_catalog
    )
    stale = sorted(repr(msgid) for _ctx, msgid in in_catalog - in_code.keys())
    assert not missing, f"{name}: {len(missing)} strings not in the catalog ({FIX}):\n" + "\n".join(
        missing
    )
    assert not stale, f"{name}: {len(stale)} catalog strings gone from the code ({FIX}):\n" + (
        "\n".join(stale)
    )


def _forms(message: Message) -> list[str]:
    return list(message.string) if isinstance(message.id, tuple) else [message.string]


@pytest.mark.parametrize("lang", ["es", "en"])
def test_every_string_is_translated(lang: str) -> None:
    catalog = _read(CATALOGS[lang])
    assert catalog.locale is not None
    assert str(catalog.locale) == lang
    untranslated = [repr(m.id) for m in _entries(catalog) if not all(_forms(m))]
    fuzzy = [repr(m.id) for m in _entries(catalog) if m.fuzzy]
    assert not untranslated, f"{lang}: {len(untranslated)} without translation ({FIX}):\n" + (
        "\n".join(untranslated)
    )
    assert not fuzzy, f"{lang}: {len(fuzzy)} fuzzy (check, then drop the flag):\n" + "\n".join(
        fuzzy
    )


_PERCENT_FIELD = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdrifgxXeEc%]")


def _fields(text: str) -> set[str]:
    """Return the placeholders of a template: ``{name!r:spec}`` (str.format) and
    ``%(name)s`` / ``%s`` (the %-style argparse uses)."""
    braces = {
        f"{name}{'!' + conv if conv else ''}{':' + spec if spec else ''}"
        for _lit, name, spec, conv in string.Formatter().parse(text)
        if name is not None
    }
    return braces | {match.group(0) for match in _PERCENT_FIELD.finditer(text)}


@pytest.mark.parametrize("lang", ["es", "en"])
def test_translations_keep_the_placeholders(lang: str) -> None:
    wrong = []
    for message in _entries(_read(CATALOGS[lang])):
        if message.fuzzy:  # a guess, not used; reported by the test above
            continue
        ids = list(message.id) if isinstance(message.id, tuple) else [message.id]
        wanted = set().union(*(_fields(i) for i in ids))
        for form in filter(None, _forms(message)):  # empty ones: see the test above
            try:
                got = _fields(form)
            except ValueError as error:  # an unbalanced brace
                wrong.append(f"{message.id!r}: {form!r} is not a valid template ({error})")
                continue
            # a singular form may leave the count out ("un incidente"), never add a field
            ok = got <= wanted if len(ids) > 1 else got == wanted
            if not ok:
                wrong.append(f"{message.id!r}: {form!r} has {sorted(got)}, wants {sorted(wanted)}")
    assert not wrong, f"{lang}: placeholders differ:\n" + "\n".join(wrong)


def _module_level_calls(tree: ast.Module) -> list[int]:
    """Lines of ``_()``-style calls run at import time (outside any function body)."""
    names = {"_", "ngettext", "pgettext"}
    lines: list[int] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for part in [*node.decorator_list, *node.args.defaults, *node.args.kw_defaults]:
                if part is not None:
                    visit(part)
            return  # the body runs when called, in the caller's language
        if isinstance(node, ast.Lambda):
            return
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in names:
            lines.append(node.lineno)
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(tree)
    return lines


def test_no_string_is_translated_at_import_time() -> None:
    """A module constant built with _() would keep the language active at import; use N_."""
    found = []
    for folder in ("geo", "ui"):
        for path in sorted((REPO / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            found += [f"{path.relative_to(REPO)}:{line}" for line in _module_level_calls(tree)]
    assert not found, "translated at import time (mark with N_, translate when shown):\n" + (
        "\n".join(found)
    )


def test_import_time_scan_finds_constants_and_defaults() -> None:
    source = (
        "A = _('x')\n"
        "def f(title=_('y')):\n    return _('z')\n"
        "class C:\n    label = ngettext('a', 'b', 2)\n    def m(self):\n        return _('w')\n"
    )
    assert _module_level_calls(ast.parse(source)) == [1, 2, 5]


_STREAMLIT_SHOWN = frozenset({
    "title", "header", "subheader", "caption", "text", "markdown", "write", "info", "warning",
    "error", "success", "toast", "button", "checkbox", "toggle", "radio", "selectbox",
    "multiselect", "slider", "select_slider", "date_input", "time_input", "text_input",
    "text_area", "number_input", "file_uploader", "color_picker", "pills", "segmented_control",
    "download_button", "link_button", "page_link", "form_submit_button", "expander", "tabs",
    "metric", "popover", "spinner", "status", "dialog",
})  # fmt: skip
_PLOT_SHOWN = frozenset({"set_title", "set_xlabel", "set_ylabel", "suptitle", "annotate"})
_SHOWN_KEYWORDS = frozenset({"label", "help", "placeholder", "caption", "title", "description"})


def _untranslated_literals(source: str, *, streamlit: bool) -> list[tuple[int, str]]:
    """Literal English shown to people without ``_()``: Streamlit labels (``streamlit``
    files only), plot titles, ``help=``/``label=``/``description=`` texts, ``print`` and
    ``raise`` messages.

    A line can opt out with a ``# untranslated`` comment (say why).
    """
    lines = source.splitlines()
    found: list[tuple[int, str]] = []

    def texts(node: ast.AST) -> Iterator[tuple[int, str]]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value
        elif isinstance(node, ast.JoinedStr):  # an f-string: its literal parts
            parts = [v.value for v in node.values if isinstance(v, ast.Constant)]
            yield node.lineno, "".join(str(part) for part in parts)
        elif isinstance(node, ast.List | ast.Tuple):
            for element in node.elts:
                yield from texts(element)

    for node in ast.walk(ast.parse(source)):
        shown: list[ast.AST] = []
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            shown += node.exc.args[:1]
        if isinstance(node, ast.Call) and not any(
            k.arg == "unsafe_allow_html" for k in node.keywords
        ):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _PLOT_SHOWN or name == "print" or (streamlit and name in _STREAMLIT_SHOWN):
                shown += node.args[:1]
            if name == "text" and len(node.args) >= 3:  # matplotlib ax.text(x, y, s)
                shown.append(node.args[2])
            shown += [k.value for k in node.keywords if k.arg in _SHOWN_KEYWORDS]
        for part in shown:
            for line, text in texts(part):
                if re.search(r"[A-Za-z]{3}", text) and "# untranslated" not in lines[line - 1]:
                    found.append((line, text))
    return sorted(found)


def test_shown_literals_go_through_gettext() -> None:
    folders = [REPO / folder for folder in ("geo", "views", "ui")]
    assert all(folder.is_dir() for folder in folders)  # a renamed folder must not go unscanned
    files = [REPO / "app.py"] + [
        path for folder in folders for path in sorted(folder.rglob("*.py"))
    ]
    found = [
        f"{path.relative_to(REPO)}:{line}: {text!r}"
        for path in files
        for line, text in _untranslated_literals(
            path.read_text(encoding="utf-8"), streamlit=path.relative_to(REPO).parts[0] != "geo"
        )
    ]
    assert not found, "user-visible text without _() (wrap it, or mark '# untranslated'):\n" + (
        "\n".join(found)
    )


def test_shown_literal_scan_finds_what_a_user_would_read() -> None:
    source = (
        'st.header("Incidents")\n'
        'st.header(_("Incidents"))\n'
        'col.selectbox("Agency", options)\n'
        'st.slider(label="Year")\n'
        'ax.text(0.5, 0.5, "No data")\n'
        'ax.set_title(f"Killed in {year}")\n'
        'raise ValueError(f"bad value {x!r}")\n'
        'raise ValueError(_("bad value {x!r}").format(x=x))\n'
        'print("done")\n'
        'st.markdown("<style>p {color: red}</style>", unsafe_allow_html=True)\n'
        'st.columns(2); st.markdown("---")\n'
        'st.caption("zonas")  # untranslated: the project name\n'
        'parser.add_parser("import", help=_("import incidents"))\n'
    )
    assert [line for line, _text in _untranslated_literals(source, streamlit=True)] == [
        1, 3, 4, 5, 6, 7, 9,
    ]  # fmt: skip
    assert [line for line, _text in _untranslated_literals(source, streamlit=False)] == [
        4, 5, 6, 7, 9,
    ]  # fmt: skip


# ---------------------------------------------------------------------- compiled catalogs
def _write_catalog(path: Path, text: str, *, mo: bool) -> None:
    catalog = Catalog(locale="es", domain="zonas")
    catalog.add("all dates", text)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        (write_mo if mo else write_po)(handle, catalog)


@pytest.fixture
def tmp_locale(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path / "locale")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    i18n._translations.cache_clear()
    yield tmp_path / "locale" / "es" / "LC_MESSAGES"
    i18n._translations.cache_clear()


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        pytest.param({"po": 100}, "from the po", id="po-only-compiled-in-memory"),
        pytest.param({"po": 100, "mo": 200}, "from the mo", id="fresh-mo-used"),
        pytest.param({"po": 200, "mo": 100}, "from the po", id="stale-mo-ignored"),
        pytest.param({}, "all dates", id="no-catalog-source-text"),
    ],
)
def test_catalog_loading(tmp_locale: Path, files: dict[str, int], expected: str) -> None:
    for suffix, mtime in files.items():
        path = tmp_locale / f"zonas.{suffix}"
        _write_catalog(path, f"from the {suffix}", mo=suffix == "mo")
        os.utime(path, (mtime, mtime))
    with use_language("es"):
        assert _("all dates") == expected


def _load_es() -> str:
    i18n._translations.cache_clear()  # a new process
    with use_language("es"):
        return _("all dates")


def test_compiled_po_is_cached_by_content(tmp_locale: Path, tmp_path: Path) -> None:
    po = tmp_locale / "zonas.po"
    _write_catalog(po, "primera versión", mo=False)
    assert _load_es() == "primera versión"
    (cached,) = (tmp_path / "cache" / "zonas" / "locale").glob("zonas-es-*.mo")
    _write_catalog(cached, "desde la caché", mo=True)
    assert _load_es() == "desde la caché"  # the cached copy is what a new process loads
    _write_catalog(po, "segunda versión", mo=False)
    assert _load_es() == "segunda versión"  # an edited .po is never hidden by the cache
    assert len(list(cached.parent.glob("zonas-es-*.mo"))) == 2


def test_unwritable_cache_still_translates(
    tmp_locale: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file where the cache folder would go")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))
    _write_catalog(tmp_locale / "zonas.po", "sin caché", mo=False)
    assert _load_es() == "sin caché"


def test_plural_forms_follow_the_count(tmp_locale: Path) -> None:
    catalog = Catalog(locale="es", domain="zonas")
    # CLDR (Babel 2.16+) gives Spanish a third form (millions); fill every form it asks for
    forms = ("{n} incidente",) + ("{n} incidentes",) * (catalog.num_plurals - 1)
    catalog.add(("{n} incident", "{n} incidents"), forms)
    tmp_locale.mkdir(parents=True)
    with (tmp_locale / "zonas.po").open("wb") as handle:
        write_po(handle, catalog)
    with use_language("es"):
        shown = [ngettext("{n} incident", "{n} incidents", n).format(n=n) for n in (0, 1, 2)]
    assert shown == ["0 incidentes", "1 incidente", "2 incidentes"]


def test_fuzzy_entries_are_not_used(tmp_locale: Path) -> None:
    catalog = Catalog(locale="es", domain="zonas")
    catalog.add("all dates", "dudoso", flags=["fuzzy"])
    tmp_locale.mkdir(parents=True)
    with (tmp_locale / "zonas.po").open("wb") as handle:
        write_po(handle, catalog)
    with use_language("es"):
        assert _("all dates") == "all dates"


# ---------------------------------------------------------------------- translating
@pytest.mark.parametrize(("lang", "expected"), [("es", "todas las fechas"), ("en", "all dates")])
def test_translate_follows_the_active_language(lang: str, expected: str) -> None:
    with use_language(lang):
        assert _("all dates") == expected
        assert get_language() == lang


def test_unknown_and_empty_strings_pass_through() -> None:
    with use_language("es"):
        assert _("a string no catalog has") == "a string no catalog has"
        assert _("") == ""
        assert ngettext("{n} thing", "{n} things", 1) == "{n} thing"
        assert ngettext("{n} thing", "{n} things", 2) == "{n} things"


def test_use_language_restores_the_previous_language() -> None:
    with use_language("es"):
        with use_language("en"):
            assert get_language() == "en"
        assert get_language() == "es"


def test_unknown_language_is_refused_with_the_choices() -> None:
    with pytest.raises(ValueError, match=r"'fr'.*es, en"):
        set_language("fr")


def test_default_language_is_spanish_unless_zonas_lang(monkeypatch: pytest.MonkeyPatch) -> None:
    def fresh_thread_language() -> str:
        seen: list[str] = []
        thread = threading.Thread(target=lambda: seen.append(get_language()))
        thread.start()
        thread.join()
        return seen[0]

    monkeypatch.delenv("ZONAS_LANG")
    assert fresh_thread_language() == "es"
    monkeypatch.setenv("ZONAS_LANG", "en")
    assert fresh_thread_language() == "en"
    monkeypatch.setenv("ZONAS_LANG", "klingon")
    assert fresh_thread_language() == "es"


def test_each_thread_keeps_its_own_language() -> None:
    """Streamlit runs every session in its own thread: one user's switch is not another's."""
    barrier = threading.Barrier(2)
    seen: dict[str, tuple[str, str, str]] = {}

    def session(lang: str) -> None:
        set_language(lang)
        barrier.wait()  # both threads have set their language before either reads
        seen[lang] = (get_language(), _("all dates"), format_number(1234))

    threads = [threading.Thread(target=session, args=(lang,)) for lang in ("es", "en")]
    with use_language("en"):
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert get_language() == "en"  # the threads did not change this one
    assert seen == {"es": ("es", "todas las fechas", "1.234"), "en": ("en", "all dates", "1,234")}


# ---------------------------------------------------------------------- choosing a language
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("es", "es"), ("EN", "en"), ("en-GB", "en"), ("es_VE.UTF-8", "es"), ("es-419", "es"),
        (" en ", "en"), ("fr", None), ("C", None), ("", None), (None, None), (["en"], None),
    ],
)  # fmt: skip
def test_normalize_language(value: object, expected: str | None) -> None:
    assert normalize_language(value) == expected


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("en-US,en;q=0.9,es;q=0.8", "en"),
        ("es-VE,es;q=0.9,en;q=0.8", "es"),
        ("fr-FR, fr;q=0.9, en;q=0.5, es;q=0.7", "es"),
        ("en;q=0, es;q=0.1", "es"),
        ("de, *;q=0.5", None),
        ("en;q=abc", None),
        ("", None),
        (None, None),
    ],
)
def test_language_from_accept_header(header: str | None, expected: str | None) -> None:
    assert language_from_accept(header) == expected


@pytest.mark.parametrize(
    ("params", "accept", "expected"),
    [
        ({"lang": "en"}, None, "en"),
        ({"lang": "es"}, "en-US,en", "es"),  # the URL beats the browser
        ({"lang": ["es", "en"]}, None, "en"),  # the last ?lang= wins
        ({"lang": "fr"}, "en-US,en;q=0.9", "en"),
        ({}, "en-GB", "en"),
        ({}, "fr", "es"),
        ({}, None, "es"),
    ],
)
def test_language_from_params(
    params: dict[str, object],
    accept: str | None,
    expected: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("ZONAS_LANG")
    assert language_from_params(params, accept_language=accept) == expected


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"ZONAS_LANG": "en", "LANG": "es_VE.UTF-8"}, "en"),
        ({"ZONAS_LANG": "es", "LANG": "en_US.UTF-8"}, "es"),
        ({"ZONAS_LANG": "xx", "LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "es_VE.UTF-8"}, "es"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LC_ALL": "en_GB.UTF-8", "LANG": "es_ES.UTF-8"}, "en"),
        ({"LC_ALL": "", "LC_MESSAGES": "es_VE", "LANG": "en_US"}, "es"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "POSIX"}, "en"),
        ({}, "en"),
        ({"LANG": "pt_BR.UTF-8"}, "es"),
    ],
)
def test_language_from_env(environ: dict[str, str], expected: str) -> None:
    assert language_from_env(environ) == expected


def test_cli_errors_of_argparse_are_translated(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from geo.cli import main

    monkeypatch.setenv("ZONAS_LANG", "es")
    with pytest.raises(SystemExit) as stopped:
        main([])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("uso: zonas")
    assert "zonas: error: faltan estos argumentos obligatorios: command" in err
    assert argparse._("usage: ") == "usage: "  # argparse is itself again after the CLI ran


def test_cli_speaks_the_language_of_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from geo.cli import build_parser

    monkeypatch.setenv("COLUMNS", "100")
    env = {k: v for k, v in os.environ.items() if k not in {"ZONAS_LANG", "LC_ALL", "LANGUAGE"}}
    done = subprocess.run(
        [sys.executable, "-m", "geo", "--help"],
        env={**env, "LANG": "es_VE.UTF-8", "LC_MESSAGES": "es_VE.UTF-8"},
        capture_output=True, text=True, check=True, cwd=REPO,
    )  # fmt: skip
    with use_language("es"), argparse_in_language():
        spanish = build_parser().format_help()
    with use_language("en"), argparse_in_language():
        english = build_parser().format_help()
    assert done.stdout == spanish
    assert spanish.startswith("uso: zonas")
    assert "mostrar esta ayuda y salir" in spanish
    assert spanish != english


# ---------------------------------------------------------------------- formatting
DAY = date(2015, 7, 13)


@pytest.mark.parametrize(
    ("day", "precision", "es", "en"),
    [
        (DAY, "day", "13 de julio de 2015", "13 July 2015"),
        (datetime(2015, 7, 13, 23, 30), "day", "13 de julio de 2015", "13 July 2015"),
        (pd.Timestamp("2015-07-13"), "day", "13 de julio de 2015", "13 July 2015"),
        (date(2016, 1, 1), "day", "1 de enero de 2016", "1 January 2016"),
        (DAY, "week", "semana del 13 de julio de 2015", "week of 13 July 2015"),
        (DAY, "month", "julio de 2015", "July 2015"),
        (DAY, "year", "2015", "2015"),
    ],
)
def test_format_date(day: date, precision: i18n.DatePrecision, es: str, en: str) -> None:
    assert format_date(day, lang="es", precision=precision) == es
    assert format_date(day, lang="en", precision=precision) == en


def test_format_date_refuses_an_unknown_precision() -> None:
    with pytest.raises(ValueError, match="decade"):
        format_date(DAY, precision="decade")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "decimals", "es", "en"),
    [
        (1234, None, "1.234", "1,234"),
        (999, None, "999", "999"),
        (1234567.5, None, "1.234.567,5", "1,234,567.5"),
        (np.int64(1234), None, "1.234", "1,234"),
        (3.14159, 2, "3,14", "3.14"),
        (12.0, 1, "12,0", "12.0"),
        (1234.4, 0, "1.234", "1,234"),
    ],
)
def test_format_number(value: float, decimals: int | None, es: str, en: str) -> None:
    assert format_number(value, lang="es", decimals=decimals) == es
    assert format_number(value, lang="en", decimals=decimals) == en


@pytest.mark.parametrize(("lang", "expected"), [("es", "46%"), ("en", "46%")])
def test_format_percent(lang: str, expected: str) -> None:
    assert format_percent(0.456, lang=lang) == expected
    assert format_percent(0.4567, lang=lang, decimals=1) == expected.replace(
        "46", "45,7" if lang == "es" else "45.7"
    )


@pytest.mark.parametrize(
    ("lo", "hi", "es", "en", "compact"),
    [
        (14, 16, "14–16", "14–16", "14–16"),
        (14, 14, "14", "14", "14"),
        (1234, 1500, "1.234–1.500", "1,234–1,500", None),
        (14, None, "al menos 14", "at least 14", "≥ 14"),
        (14, math.nan, "al menos 14", "at least 14", "≥ 14"),
        (14, pd.NA, "al menos 14", "at least 14", "≥ 14"),
        (None, 16, "hasta 16", "at most 16", "≤ 16"),
        (None, None, "sin dato", "unknown", "?"),
        (np.int64(0), np.int64(3), "0–3", "0–3", "0–3"),
    ],
)
def test_format_range(lo: float, hi: float, es: str, en: str, compact: str | None) -> None:
    assert format_range(lo, hi, lang="es") == es
    assert format_range(lo, hi, lang="en") == en
    if compact is not None:
        assert format_range(lo, hi, lang="en", compact=True) == compact


@pytest.mark.parametrize(
    ("lo", "hi", "es", "en", "compact"),
    [
        (14, 14, "al menos 14", "at least 14", "≥ 14"),
        (14, 16, "14–16 o más", "14–16 or more", "14–16+"),
        (14, None, "al menos 14", "at least 14", "≥ 14"),
    ],
)
def test_format_range_with_an_open_maximum(
    lo: float, hi: float | None, es: str, en: str, compact: str
) -> None:
    assert format_range(lo, hi, lang="es", at_least=True) == es
    assert format_range(lo, hi, lang="en", at_least=True) == en
    assert format_range(lo, hi, lang="es", at_least=True, compact=True) == compact


def test_format_range_refuses_an_inverted_range() -> None:
    with pytest.raises(ValueError, match=r"16.*14"):
        format_range(16, 14)


@pytest.mark.parametrize(
    ("start", "end", "es", "en"),
    [
        (DAY, date(2015, 7, 20), "13–20 de julio de 2015", "13–20 Jul 2015"),
        # CLDR puts thin spaces around the dash between two spelled-out dates
        (
            DAY,
            date(2015, 8, 2),
            "13 de julio\u2009–\u20092 de agosto de 2015",
            "13 Jul\u2009–\u20092 Aug 2015",
        ),
        (
            DAY,
            date(2016, 1, 2),
            "13 de julio de 2015\u2009–\u20092 de enero de 2016",
            "13 Jul 2015\u2009–\u20092 Jan 2016",
        ),
        (DAY, DAY, "13 de julio de 2015", "13 July 2015"),
        (DAY, None, "desde el 13 de julio de 2015", "from 13 July 2015"),
        (None, DAY, "hasta el 13 de julio de 2015", "until 13 July 2015"),
        (None, None, "todas las fechas", "all dates"),
    ],
)
def test_format_period(start: date | None, end: date | None, es: str, en: str) -> None:
    assert format_period(start, end, lang="es") == es
    assert format_period(start, end, lang="en") == en


@pytest.mark.parametrize(
    ("items", "style", "es", "en"),
    [
        (["Caracas", "Maracay", "Valencia"], "and", "Caracas, Maracay y Valencia",
         "Caracas, Maracay and Valencia"),
        (["CICPC", "PNB"], "or", "CICPC o PNB", "CICPC or PNB"),
        (["PNB"], "or", "PNB", "PNB"),
        ([], "and", "", ""),
    ],
)  # fmt: skip
def test_format_list(items: list[str], style: Literal["and", "or"], es: str, en: str) -> None:
    assert format_list(items, lang="es", style=style) == es
    assert format_list(iter(items), lang="en", style=style) == en


def test_formatting_follows_the_active_language() -> None:
    with use_language("es"):
        assert (format_number(1234), format_range(3, None)) == ("1.234", "al menos 3")
    with use_language("en"):
        assert (format_number(1234), format_range(3, None)) == ("1,234", "at least 3")
