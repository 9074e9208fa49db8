"""What customers wrote, as data: the most frequent terms of survey comments, and safe display.

Comments arrive in English and French (often both in one survey). `top_terms` lower-cases
them, cuts them into words (accented letters included, digits and punctuation left out),
drops French elisions (l', d', qu', j' …) and the stop words of the chosen languages — built
in below, nothing is downloaded — plus the filler every SaaS survey is full of ("product",
"outil"), and counts what is left. `top_terms_by` does the same per group (NPS category) in
one pass. Everything is vectorised pandas string methods; no loop over comments.

`escape_markdown` is for the rare place where a user's text must sit inside Markdown (a
caption naming a segment): it makes every Markdown, HTML and Streamlit directive character
literal, so `**bold**` or `<script>` is shown as typed, never interpreted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd

# A word: letters (any alphabet, accents included), possibly joined by an apostrophe or a
# hyphen ("l'intégration", "doesn't", "peut-être", "e-mail"); digits and "_" are not letters.
_WORD = r"[^\W\d_]+(?:['\-][^\W\d_]+)*"
# French elisions glued to the next word: l'outil → outil, qu'on → on (then a stop word).
_ELISION = r"^(?:l|d|j|m|n|s|t|c|qu|jusqu|lorsqu|puisqu|quoiqu)'"
_APOSTROPHES = r"[’‘`´]"

ENGLISH_STOP_WORDS = frozenset("""
a about above after again against all almost also although always am among an and another any anyone anything
are aren't around as at away back be became because been before being below between both but by can can't
cannot could couldn't did didn't do does doesn't doing don't done down during each either else enough etc even
ever every everyone everything few for from further get gets getting got had hadn't has hasn't have haven't
having he he'd he'll he's her here here's hers herself him himself his how how's however i i'd i'll i'm i've if
in into is isn't it it's its itself just least less let's like made make makes many may maybe me might mine more
most much must mustn't my myself need needs neither never no nor not nothing now of off often on once one only
or other others otherwise our ours ourselves out over own per perhaps please quite rather really same shall
shan't she she'd she'll she's should shouldn't since so some someone something sometimes still such than that
that's the their theirs them themselves then there there's these they they'd they'll they're they've thing
things this those though through thus to too toward towards under until up upon us use used uses using very via
was wasn't we we'd we'll we're we've well were weren't what what's whatever when when's where where's whether
which while who who's whom whose why why's will with within without won't would wouldn't yes yet you you'd
you'll you're you've your yours yourself yourselves
""".split())

FRENCH_STOP_WORDS = frozenset("""
à afin ai aie aient aies ainsi ait alors as au aucun aucune aujourd'hui auquel aura aurai auraient aurais
aurait auras aurez auriez aurions aurons auront aussi autre autres aux auxquelles auxquels avaient avais avait
avant avec avez aviez avions avoir avons ayant ayez ayons c ça car ce ceci cela celle celles celui cependant
certain certaine certaines certains ces cet cette ceux chaque chez ci comme comment contre d dans de depuis des
desquelles desquels dessous dessus deux donc dont du duquel durant elle elles en encore entre es est est-ce et
étaient étais était étant été êtes étiez étions être eu eue eues eûmes eurent eus eusse eussent eut eux fait
faire fais faut fois font fûmes furent fus fut ici il ils j je jusqu jusque l la là laquelle le lequel les
lesquelles lesquels leur leurs lors lorsque lui m ma mais me même mêmes mes moi moins mon n ne ni non nos notre
nôtre nous nul on ont ou où par parce parfois pas pendant peu peut peut-être peuvent plupart plus plusieurs
pour pourquoi puis puisque qu quand que quel quelle quelles quels qui quoi s sa sans se sera serai seraient
serais serait seras serez seriez serions serons seront ses si sien sienne soi soient sois soit sommes son sont
sous soyez soyons suis sur t ta tandis te tel telle telles tels tes toi ton tous tout toute toutes très trop
tu un une unes uns va vais vers via voici voilà vont vos votre vôtre vous vu y
""".split())

# What every SaaS survey repeats whatever the customer feels (the product's own name for
# itself, politeness); sentiment words ("great", "lent", "bug") are kept on purpose.
ENGLISH_FILLER = frozenset("""
app apps bit feature features go goes going gone hi hello lot ok okay went platform product products software
solution team tool tools thanks thank
""".split())
FRENCH_FILLER = frozenset("""
application applications bonjour fonctionnalité fonctionnalités logiciel logiciels merci ok outil outils
plateforme produit produits solution
""".split())

STOP_WORDS: dict[str, frozenset[str]] = {
    "en": ENGLISH_STOP_WORDS | ENGLISH_FILLER,
    "fr": FRENCH_STOP_WORDS | FRENCH_FILLER,
}
MIN_LENGTH = 2  # one-letter leftovers ("a", "y", "l") are never a theme


def stop_words(languages: Iterable[str] = ("en", "fr")) -> frozenset[str]:
    """The union of the built-in stop words (and SaaS filler) of `languages` ("en", "fr")."""
    languages = tuple(languages)
    unknown = [language for language in languages if language not in STOP_WORDS]
    if unknown:
        raise ValueError(f"no stop words for {', '.join(unknown)}: choose among {', '.join(STOP_WORDS)}")
    return frozenset().union(*(STOP_WORDS[language] for language in languages))


def words(comments: pd.Series, languages: Iterable[str] = ("en", "fr")) -> pd.Series:
    """Each comment's distinct meaningful words, one row per (comment, word), index = the comment's.

    lower-case → ’ becomes ' → words of letters (with inner ' or -) → French elision removed
    → stop words and one-letter words dropped. A word repeated in one comment appears once.
    """
    stop = stop_words(languages)
    text = comments.dropna().astype("string").str.lower().str.replace(_APOSTROPHES, "'", regex=True)
    tokens = text.str.findall(_WORD).explode().dropna().astype("string")
    tokens = tokens.str.replace(_ELISION, "", regex=True)
    tokens = tokens[(tokens.str.len() >= MIN_LENGTH) & ~tokens.isin(stop)]
    pairs = pd.DataFrame({"row": tokens.index, "term": tokens.to_numpy()}).drop_duplicates()
    return pd.Series(pairs["term"].to_numpy(), index=pd.Index(pairs["row"].to_numpy(), name=comments.index.name),
                     name="term", dtype="string")


def top_terms(comments: pd.Series, n: int = 15, languages: Iterable[str] = ("en", "fr")) -> pd.DataFrame:
    """The `n` most frequent terms of the comments, most frequent first (ties alphabetical).

    count = number of comments that use the term (see `words`: a word said twice in one
    comment counts once, so one long rant cannot outweigh ten short answers).
    Columns: term, count. No comment or no word left → an empty frame with those columns.
    """
    terms = words(comments, languages)
    counts = terms.value_counts().rename_axis("term").reset_index(name="count")
    counts = counts.sort_values(["count", "term"], ascending=[False, True], kind="mergesort")
    return counts.head(n).reset_index(drop=True).astype({"term": "string", "count": "int64"})


def top_terms_by(comments: pd.Series, groups: pd.Series, n: int = 15,
                 languages: Iterable[str] = ("en", "fr")) -> pd.DataFrame:
    """`top_terms` within each group (e.g. the NPS category of each comment), in one pass.

    `groups` is aligned with `comments` by index. Columns: <groups.name or "group">, term,
    count; groups in the order of their categories (or sorted), each with its top `n` terms.
    """
    name = groups.name or "group"
    terms = words(comments, languages)
    # .array keeps a categorical's order (promoter, passive, detractor) for the sort below
    frame = pd.DataFrame({name: groups.reindex(terms.index).array, "term": terms.to_numpy()})
    frame = frame[frame[name].notna()]
    counts = frame.groupby([name, "term"], observed=True, sort=False).size().reset_index(name="count")
    counts = counts.sort_values([name, "count", "term"], ascending=[True, False, True], kind="mergesort")
    out = counts.groupby(name, observed=True, sort=False).head(n).reset_index(drop=True)
    return out.astype({"term": "string", "count": "int64"})


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:=^&\"'@%])")


def escape_markdown(text: object) -> str:
    """`text` made literal inside Streamlit Markdown: every character Markdown, HTML, LaTeX ($)
    or a Streamlit directive (:red[…], :material/icon:) would interpret gets a backslash, and
    line breaks become spaces (a caption is one line). A zero-width space after "://" and
    "www." keeps Markdown from turning a URL into a link."""
    text = re.sub(r"(?i)(://|www\.)", "\\1\u200b", re.sub(r"\s+", " ", str(text)))
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def clean_text(value: object) -> str:
    """A user's text as a plain string every export can hold: None/NaN → '', characters that
    XML forbids (control characters other than tab and line breaks) removed. Escaping for
    HTML, Markdown or a spreadsheet is each export's job."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return _XML_ILLEGAL.sub("", str(value))


ACRONYMS = {"id": "ID", "mrr": "MRR", "arr": "ARR", "nps": "NPS", "csat": "CSAT", "ces": "CES", "fcr": "FCR",
            "cogs": "COGS", "url": "URL", "dau": "DAU", "mau": "MAU", "ltv": "LTV", "cac": "CAC"}


def label_of(identifier: str) -> str:
    """A schema name as words a user reads: 'customer_id' → 'Customer ID', 'churn_reasons' → 'Churn
    reasons', 'nps' → 'NPS', 'first_contact_resolved' → 'First contact resolved'."""
    parts = [ACRONYMS.get(part, part) for part in str(identifier).split("_") if part]
    if not parts:
        return str(identifier)
    first = parts[0] if parts[0] in ACRONYMS.values() else parts[0].capitalize()
    return " ".join([first, *parts[1:]])
