"""Company mentions: precision and recall on similar names, and speed.

    python bench/mentions.py                 # the labelled set and 10,000 articles × 2,000 contacts
    python bench/mentions.py --errors        # also every wrong or missed mention
    python bench/mentions.py --articles 20000 --contacts 5000 --repeat 5

Precision and recall: `bench/tact/mentions.yaml`, real sentences and headlines from
../shared/evaldata naming companies, persons, places and things with names like the
contacts' companies, labelled by hand (the rule is in the file). A (sentence, contact) pair
is one decision: found and labelled is right, found and not labelled a false mention,
labelled and not found a missed one.

Speed: Reuters-21578 stories (headline and the first 600 characters, as the night reads
them) against as many contacts as asked, whose companies are the corporate names the
stories themselves use ("Texas Air Corp", "Ford Motor Co"…: a hard case, where most stories
name several contacts' companies), each with an alias and a ticker made from it: the index is built once, then every story is searched. Reads
`$MATCHER_EVALDATA`, else ../shared/evaldata.
"""

from __future__ import annotations

import argparse
import glob
import html
import os
import re
import statistics
import sys
import time
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from matcher.tact.mentions import LEAD_CHARS, Company, CompanyNames  # noqa: E402

EVALDATA = Path(os.environ.get("MATCHER_EVALDATA", ROOT.parent / "shared" / "evaldata"))
LABELLED = HERE / "tact" / "mentions.yaml"


def labelled(path: Path = LABELLED) -> tuple[list[Company], dict[str, list[dict]]]:
    """The labelled set: its contacts' companies, and its items by set (development, held out)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    companies = [Company(c["id"], c["company"], tuple(c.get("aliases", ())), tuple(c.get("tickers", ())))
                 for c in data["companies"]]
    return companies, {"development": data["items"], "held out": data["held_out"]}


def precision_recall(companies: list[Company], items: list[dict]) -> dict:
    """Right, false and missed mentions over the labelled items, with the wrong ones."""
    names = CompanyNames(companies)
    by_id = {c.contact_id: c.company for c in companies}
    right = false = missed = 0
    errors = []
    for item in items:
        found = {f.contact_id: f.words for f in names.find(item["text"])}
        wanted = set(item["mentions"])
        right += len(wanted & set(found))
        for cid in sorted(set(found) - wanted):
            false += 1
            errors.append(f"false  {by_id[cid]!r} in {found[cid]!r}: {item['source']}: {item['text'][:90]}")
        for cid in sorted(wanted - set(found)):
            missed += 1
            errors.append(f"missed {by_id[cid]!r}: {item['source']}: {item['text'][:90]}")
    return {
        "items": len(items), "labelled": right + missed, "found": right + false,
        "precision": right / (right + false) if right + false else 1.0,
        "recall": right / (right + missed) if right + missed else 1.0,
        "false": false, "missed": missed, "errors": errors,
    }


def reuters_stories(limit: int) -> list[str]:
    """Headline and lead of Reuters-21578 stories, as the night reads an article."""
    texts = []
    for path in sorted(glob.glob(str(EVALDATA / "reuters21578" / "reut2-*.sgm"))):
        sgml = Path(path).read_text(encoding="latin-1")
        for match in re.finditer(r"<TITLE>(.*?)</TITLE>.*?<BODY>(.*?)</BODY>", sgml, re.S):
            title, body = (html.unescape(part) for part in match.groups())
            texts.append(f"{title}\n{' '.join(body.split())[:LEAD_CHARS]}")
            if len(texts) == limit:
                return texts
    return texts


CORPORATE = re.compile(r"\b((?:[A-Z][a-z]+ ){1,3})(?:Corp|Inc|Co|Ltd|Plc|Group|Industries)\b")


def corporate_contacts(stories: list[str], n: int) -> list[Company]:
    """n contacts whose companies are names the stories use, each with an alias (its
    initials, when they are three letters or more: "Texas Air Corp" → "TAC") and a ticker
    (its first four capitals), so every kind of name is looked up."""
    seen: dict[str, None] = {}
    for text in stories:
        for m in CORPORATE.finditer(text):
            seen.setdefault(m.group(0), None)
    names = list(seen)
    contacts = []
    for i in range(n):
        company = names[i % len(names)] + ("" if i < len(names) else f" {i}")
        initials = "".join(w[0] for w in company.split())
        ticker = re.sub(r"[^A-Z]", "", company.upper())[:4] or "X"
        aliases = (initials,) if len(initials) >= 3 else ()
        contacts.append(Company(i + 1, company, aliases, (ticker,)))
    return contacts


def speed(n_articles: int, n_contacts: int, repeat: int) -> dict:
    stories = reuters_stories(n_articles)
    contacts = corporate_contacts(stories, n_contacts)
    builds, finds, cpu, found = [], [], [], 0
    for _ in range(repeat):
        start = time.perf_counter()
        names = CompanyNames(contacts)
        builds.append(time.perf_counter() - start)
        start, start_cpu = time.perf_counter(), time.process_time()
        found = sum(len(names.find(text)) for text in stories)
        finds.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    return {"articles": len(stories), "contacts": len(contacts), "names": len(names.names),
            "build": statistics.median(builds), "find": statistics.median(finds),
            "cpu": statistics.median(cpu), "mentions": found, "load": os.getloadavg()[0]}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=10_000)
    parser.add_argument("--contacts", type=int, default=2_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--errors", action="store_true", help="print every false and missed mention")
    args = parser.parse_args(argv)

    companies, sets = labelled()
    for name, items in sets.items():
        pr = precision_recall(companies, items)
        print(f"{name}: {pr['items']} sentences, {pr['labelled']} mentions labelled, {pr['found']} found: "
              f"precision {pr['precision']:.3f} ({pr['false']} false), recall {pr['recall']:.3f} ({pr['missed']} missed)")
        if args.errors:
            for line in pr["errors"]:
                print("  " + line)
    s = speed(args.articles, args.contacts, args.repeat)
    print(f"speed: {s['articles']:,} articles × {s['contacts']:,} contacts ({s['names']:,} names): "
          f"index {s['build']:.2f} s, search {s['find']:.2f} s ({s['cpu']:.2f} s of CPU, "
          f"{s['find'] / max(s['articles'], 1) * 1e6:.0f} µs an article), {s['mentions']:,} mentions "
          f"(median of {args.repeat}; load average {s['load']:.1f})")


if __name__ == "__main__":
    main()
