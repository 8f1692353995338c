"""The labeled set holds the router to its measured quality: >= 99% and no false local action."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from intents import ROUTES
from intents.evaluate import MIN_ACCURACY, evaluate, format_report, main, read_rows

LABELED = Path(__file__).with_name("labeled.tsv")


def test_labeled_set_is_large_and_covers_every_language_and_route() -> None:
    rows = read_rows(LABELED)
    assert len(rows) >= 300
    langs = Counter(r.lang for r in rows)
    assert {"en", "zh-hans", "zh-hant", "mixed"} <= set(langs)
    assert all(n >= 25 for n in langs.values()), langs
    routes = Counter(r.route for r in rows)
    assert set(routes) == set(ROUTES)
    cats = {r.category for r in rows}
    for needed in ("quoted", "topic", "edit-term", "negation", "negation-scope", "howto", "edit-then-export",
                   "substring", "fullwidth", "ime-slip", "code-switch", "typo", "real-word", "slang", "path",
                   "with-subtitles"):
        assert needed in cats, needed


def test_router_accuracy_on_the_labeled_set_and_no_false_local_action() -> None:
    rep = evaluate(read_rows(LABELED))
    assert not rep.false_local, format_report(rep)
    assert rep.accuracy >= MIN_ACCURACY >= 0.99, format_report(rep)


def test_evaluate_command_prints_accuracy_matrix_languages_and_false_actions(tmp_path: Path, capsys) -> None:
    f = tmp_path / "mini.tsv"
    f.write_text(
        "route\tlang\tcategory\ttext\n"
        "export\ten\tplain\texport\n"
        "sse\ten\tnegation\tdon't export\n"
        "credits\tzh-hans\tplain\t积分\n"
        "sse\ten\ttopic\texport pls\n",  # deliberately mislabeled: counts as a false local action
        encoding="utf-8",
    )
    assert main([str(f)]) == 1
    out = capsys.readouterr().out
    assert "accuracy: 3/4 = 75.00%" in out
    assert "expected \\ routed" in out and "false local actions: 1" in out
    assert "zh-hans" in out and "miss line 5" in out


def test_evaluate_command_explains_a_bad_file(tmp_path: Path, capsys) -> None:
    f = tmp_path / "bad.tsv"
    f.write_text("exprt\ten\tplain\texport\n", encoding="utf-8")
    assert main([str(f)]) == 2
    assert "bad.tsv:1" in capsys.readouterr().out
    assert main([str(tmp_path / "missing.tsv")]) == 2
