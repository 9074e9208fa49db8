"""kpi.text: the most frequent terms of survey comments (EN + FR), and Markdown escaping."""

import pandas as pd
import pytest

from kpi.text import escape_markdown, stop_words, top_terms, top_terms_by, words


def terms(frame: pd.DataFrame) -> dict[str, int]:
    return dict(zip(frame["term"], frame["count"], strict=True))


def test_counts_each_word_once_per_comment_most_frequent_first():
    comments = pd.Series(["Export export EXPORT!", "The export is slow", "Slow support"])
    assert terms(top_terms(comments)) == {"export": 2, "slow": 2, "support": 1}
    assert top_terms(comments)["term"].tolist() == ["export", "slow", "support"]  # ties: alphabetical


def test_english_and_french_stop_words_are_dropped():
    comments = pd.Series(["The app is really great and we love it", "C'est un très bon outil pour nous"])
    assert set(top_terms(comments)["term"]) == {"great", "love", "bon"}


def test_french_elisions_are_cut_from_the_word():
    comments = pd.Series(["L'intégration d'Excel", "l’intégration qu'on attendait", "J'adore, jusqu'à présent"])
    counted = terms(top_terms(comments))
    assert counted["intégration"] == 2  # typographic apostrophe ’ too
    assert {"excel", "attendait", "adore", "présent"} <= set(counted)
    assert not any("'" in term for term in counted)


def test_accented_letters_stay_in_words_and_digits_and_punctuation_do_not():
    comments = pd.Series(["Réponse à côté, 3 jours! (v2.0) -- déçu_e", "Très déçu… 100 %"])
    counted = terms(top_terms(comments))
    assert counted == {"déçu": 2, "réponse": 1, "côté": 1, "jours": 1}


def test_english_contractions_and_hyphenated_words_stay_whole():
    comments = pd.Series(["Doesn't work with pop-up blockers", "It's a must-have"])
    assert set(top_terms(comments)["term"]) == {"work", "pop-up", "blockers", "must-have"}


def test_saas_filler_is_dropped_but_sentiment_words_are_kept():
    comments = pd.Series(["Great product, thanks", "Outil lent, merci", "Nice tool but buggy"])
    assert set(top_terms(comments)["term"]) == {"great", "lent", "nice", "buggy"}


def test_n_limits_the_number_of_terms():
    comments = pd.Series(["alpha beta gamma delta epsilon"])
    assert len(top_terms(comments, n=3)) == 3


def test_languages_choose_the_stop_words():
    comments = pd.Series(["the cat and le chat"])
    assert set(top_terms(comments, languages=("en",))["term"]) == {"cat", "le", "chat"}
    assert set(top_terms(comments, languages=("fr",))["term"]) == {"the", "cat", "and", "chat"}
    with pytest.raises(ValueError, match="de"):
        stop_words(("de",))


def test_no_comment_gives_an_empty_frame_with_its_columns():
    for comments in (pd.Series([], dtype="string"), pd.Series([None, "  ", "the and"], dtype="string")):
        result = top_terms(comments)
        assert result.empty and list(result.columns) == ["term", "count"]


def test_words_keep_the_index_of_their_comment():
    comments = pd.Series({"a": "Slow export", "b": None, "c": "export"})
    found = words(comments)
    assert sorted(found.loc["a"].tolist()) == ["export", "slow"] and found.loc["c"] == "export"


def test_top_terms_by_group_follow_the_category_order():
    comments = pd.Series(["Great planning", "great support", "Slow export", "export crashes", "ok"])
    groups = pd.Series(pd.Categorical(["promoter", "promoter", "detractor", "detractor", "passive"],
                                      categories=["promoter", "passive", "detractor"]), name="category")
    result = top_terms_by(comments, groups, n=2)
    assert list(result.columns) == ["category", "term", "count"]
    assert result.values.tolist() == [["promoter", "great", 2], ["promoter", "planning", 1],
                                      ["detractor", "export", 2], ["detractor", "crashes", 1]]


def test_top_terms_by_matches_top_terms_within_each_group():
    comments = pd.Series(["a b c export", "export slow", "slow", "fast", "fast export"] * 3)
    groups = pd.Series(["x", "x", "y", "y", "x"] * 3)
    by_group = top_terms_by(comments, groups, n=5)
    for group in ("x", "y"):
        alone = top_terms(comments[groups == group], n=5)
        assert terms(by_group[by_group["group"] == group]) == terms(alone)


@pytest.mark.parametrize("text", ["**bold**", "<script>alert(1)</script>", "[x](javascript:alert(1))",
                                  ":red[alarm] :material/home:", "$x^2$", "# Title", "a_b_c", "`code`", "C:\\temp"])
def test_escape_markdown_backslashes_every_special_character(text):
    escaped = escape_markdown(text)
    special = set("\\`*_{}[]()#+-.!|<>~$:=^&\"'@%")
    position, unescaped = 0, []
    while position < len(escaped):
        if escaped[position] == "\\":
            assert escaped[position + 1] in special  # a backslash only ever escapes a special character
            unescaped.append(escaped[position + 1])
            position += 2
        else:
            assert escaped[position] not in special, f"{escaped[position]!r} left bare in {escaped!r}"
            unescaped.append(escaped[position])
            position += 1
    assert "".join(unescaped) == text


def test_escape_markdown_makes_one_line():
    assert escape_markdown("two\nlines") == "two lines"
