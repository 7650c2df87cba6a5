"""How well is the tone of company news told? Score the candidates on the labelled headlines.

    python bench/tone.py                  # dev and test, every method, and the timing
    python bench/tone.py --set dev        # tuning: dev only (the test items stay unread)
    python bench/tone.py --errors         # + the dev items the lexicon gets wrong

The labelled sets are real headlines and leads, labelled by hand (the labelling guide is at
the top of each file in bench/tact/). Development is tone_dev.yaml and tone_test.yaml (the
first round's test set, spent after being scored twice, folded into development in round
two); test is tone_test2.yaml, labelled before round two's tuning and read only to report.
Methods:

- lexicon: `matcher.tact.tone.judge`, the shipped method (Italian and English cues on
  lemmas, with negation, relief and measures moving up or down), told the company's words
  as the mentions stage does; "lexicon (no company)" without them;
- encoder+LR: the package's sentence encoder (`matcher.matching.semantic.embed`) and a
  logistic regression; `encoder+LR bad≥0.3` says bad from a probability of 0.3;
- tfidf+LR: TF-IDF of the package's lemmas (`matcher.matching.analysis.analyze`) and a
  logistic regression;
- lexicon|X: bad if either says bad, else the lexicon's answer; "X bad≥0.6" trusts the
  classifier's bad only from a probability of 0.6.

The classifiers learn from dev only: on dev they are scored by 5-fold cross-validation
(each item predicted by a model that never saw it), on test after fitting on all of dev.
Printed per set and method: precision/recall/F1 of "bad" and of "good", accuracy, and the
confusion matrix (rows: label, columns: prediction, order bad good neutral). Missing bad
news is the costly error: the target is recall of bad >= 0.95.
"""

from __future__ import annotations

import argparse
import glob
import html
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from matcher.matching.analysis import analyze  # noqa: E402
from matcher.tact.tone import judge  # noqa: E402

TONES = ("bad", "good", "neutral")
FOLDS = 5


PARTS = {"dev": ("dev", "test"), "test": ("test2",)}


def load(part: str) -> list[dict]:
    """The items of one part: "dev" (development) or "test"."""
    return [item for name in PARTS[part] for item in
            yaml.safe_load((HERE / "tact" / f"tone_{name}.yaml").read_text(encoding="utf-8"))["items"]]


def text_of(item: dict) -> str:
    """What the mentions stage passes to `judge`: the headline, then the lead."""
    return f"{item['headline']}. {item['lead']}" if item["lead"] else item["headline"]


def lexicon(train: list[dict], items: list[dict]) -> list[str]:
    """As the mentions stage calls it: with the words that name the company."""
    return [str(judge(text_of(i), i["language"], i["company"]).tone) for i in items]


def lexicon_blind(train: list[dict], items: list[dict]) -> list[str]:
    """Without the company: a case it brings or wins reads as bad."""
    return [str(judge(text_of(i), i["language"]).tone) for i in items]


def _embed(items: list[dict]) -> np.ndarray:
    from matcher.matching import semantic

    return semantic.embed([text_of(i) for i in items])


def _tfidf():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(analyzer=analyze, sublinear_tf=True)


def _logistic():
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(class_weight="balanced", max_iter=2000, C=4.0)


def _predict(model, X_train, y_train, X, bad_from: float | None) -> list[str]:
    model.fit(X_train, y_train)
    if bad_from is None:
        return list(model.predict(X))
    probabilities = model.predict_proba(X)
    bad = list(model.classes_).index("bad")
    others = probabilities.copy()
    others[:, bad] = -1
    best_other = model.classes_[others.argmax(axis=1)]  # bad is said from `bad_from` only
    return ["bad" if p[bad] >= bad_from else b for p, b in zip(probabilities, best_other)]


def encoder_lr(bad_from: float | None = None):
    def method(train: list[dict], items: list[dict]) -> list[str]:
        return _predict(_logistic(), _embed(train), [i["tone"] for i in train], _embed(items), bad_from)
    return method


def tfidf_lr(bad_from: float | None = None):
    def method(train: list[dict], items: list[dict]) -> list[str]:
        vectorizer = _tfidf()
        X_train = vectorizer.fit_transform(text_of(i) for i in train)
        X = vectorizer.transform(text_of(i) for i in items)
        return _predict(_logistic(), X_train, [i["tone"] for i in train], X, bad_from)
    return method


def either_bad(first, second):
    def method(train: list[dict], items: list[dict]) -> list[str]:
        return ["bad" if "bad" in (a, b) else a
                for a, b in zip(first(train, items), second(train, items))]
    return method


def cross_validated(method, items: list[dict]) -> list[str]:
    """Each item predicted by the method fitted on the other folds (folds by position)."""
    predicted: list[str | None] = [None] * len(items)
    for fold in range(FOLDS):
        held = [k for k in range(len(items)) if k % FOLDS == fold]
        train = [items[k] for k in range(len(items)) if k % FOLDS != fold]
        for k, tone in zip(held, method(train, [items[k] for k in held])):
            predicted[k] = tone
    return predicted


def scores(labels: list[str], predicted: list[str]) -> str:
    cells = []
    for tone in ("bad", "good"):
        tp = sum(a == p == tone for a, p in zip(labels, predicted))
        precision = tp / max(1, sum(p == tone for p in predicted))
        recall = tp / max(1, sum(a == tone for a in labels))
        f1 = 2 * precision * recall / max(1e-9, precision + recall)
        cells.append(f"{precision:5.2f} {recall:5.2f} {f1:5.2f}")
    accuracy = sum(a == p for a, p in zip(labels, predicted)) / len(labels)
    matrix = " ".join("[" + " ".join(f"{sum(a == r and p == c for a, p in zip(labels, predicted)):3d}"
                                      for c in TONES) + "]" for r in TONES)
    return f"{cells[0]}  | {cells[1]}  | {accuracy:5.2f} | {matrix}"


METHODS = {
    "lexicon": (lexicon, False),
    "lexicon (no company)": (lexicon_blind, False),
    "encoder+LR": (encoder_lr(), True),
    "encoder+LR bad≥0.3": (encoder_lr(0.3), True),
    "tfidf+LR": (tfidf_lr(), True),
    "lexicon|encoder+LR": (either_bad(lexicon, encoder_lr()), True),
    "lexicon|tfidf+LR": (either_bad(lexicon, tfidf_lr()), True),
    # the classifier trusted only when sure: does it add bad news the lexicon misses?
    "lexicon|tfidf+LR bad≥0.6": (either_bad(lexicon, tfidf_lr(0.6)), True),
    "lexicon|encoder+LR bad≥0.6": (either_bad(lexicon, encoder_lr(0.6)), True),
}


def report(part: str, dev: list[dict], methods: dict) -> None:
    items = dev if part == "dev" else load("test")
    counts = {t: sum(i["tone"] == t for i in items) for t in TONES}
    print(f"\n{part}: {len(items)} items ({counts['bad']} bad, {counts['good']} good, "
          f"{counts['neutral']} neutral; {sum(i['language'] == 'it' for i in items)} Italian)")
    print(f"{'method':<28}{'bad P     R    F1':>19}  | {'good P    R    F1':>17}  |  acc  | "
          "confusion (rows bad good neutral)")
    for name, (method, learns) in methods.items():
        if part == "dev" and learns:
            predicted = cross_validated(method, items)
        else:
            predicted = method(dev, items)
        print(f"{name:<28}{scores([i['tone'] for i in items], predicted)}")
        if name == "lexicon":
            for lang in ("it", "en"):
                some = [(i["tone"], p) for i, p in zip(items, predicted) if i["language"] == lang]
                print(f"  {lang:<26}{scores(*map(list, zip(*some)))}")


def errors(dev: list[dict]) -> None:
    print("\nlexicon errors on dev (label -> said: text | reason)")
    for item in dev:
        verdict = judge(text_of(item), item["language"], item["company"])
        if verdict.tone != item["tone"]:
            print(f"  {item['tone']:>7} -> {verdict.tone:<7} {text_of(item)[:110]} | {verdict.reason}")


def headlines(n: int) -> list[str]:
    """n distinct real headlines with their leads: Reuters-21578 from the shared evaldata."""
    root = Path(os.environ.get("MATCHER_EVALDATA", HERE.parent.parent / "shared" / "evaldata"))
    texts = []
    for path in sorted(glob.glob(str(root / "reuters21578" / "reut2-*.sgm"))):
        raw = Path(path).read_text(encoding="latin-1")
        for title, body in re.findall(r"<TITLE>(.*?)</TITLE>.*?<BODY>(.*?)</BODY>", raw, re.S):
            texts.append(html.unescape(f"{title.title()}. {' '.join(body.split())[:400]}"))
            if len(texts) == n:
                return texts
    texts += [f"{t} ({k})" for k, t in enumerate(text_of(i) for i in load("dev") * n)]
    return texts[:n]


def timing(n: int = 10_000) -> None:
    texts = headlines(n)
    start = time.perf_counter()
    for text in texts:
        judge(text, "en")
    known = time.perf_counter() - start
    start = time.perf_counter()
    for text in texts:
        judge(text)
    unknown = time.perf_counter() - start
    print(f"\ntiming (one core, first call loads the lemma tables): judge on {n:,} headlines "
          f"with leads: {known:.2f} s with the language given, {unknown:.2f} s without")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--set", choices=("dev", "test", "both"), default="both")
    parser.add_argument("--errors", action="store_true", help="list the lexicon's errors on dev")
    parser.add_argument("--no-timing", action="store_true")
    parser.add_argument("--methods", default=",".join(METHODS),
                        help="comma-separated names of the methods to score (default: all)")
    args = parser.parse_args()
    methods = {name: METHODS[name] for name in args.methods.split(",")}
    dev = load("dev")
    for part in ("dev", "test"):
        if args.set in (part, "both"):
            report(part, dev, methods)
    if args.errors:
        errors(dev)
    if not args.no_timing:
        timing()


if __name__ == "__main__":
    main()
