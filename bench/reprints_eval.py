"""Evaluate reprint detection (newsgrep.reprints) on a labelled set of article pairs.

    python bench/reprints_eval.py --seed 1            # the Markdown tables on stdout
    python bench/reprints_eval.py --seed 2 --n 150    # another draw, more pairs per kind

The set is drawn from ../shared/corpus (gzip JSON Lines, read directly; nothing is
copied into the repo) with ``random.Random(seed)``:

Positive pairs (original, reprint), ``--n`` per kind, each from its own original (RIA,
RT, NG and NEREL articles of at least 60 words):

* ``headline``     the headline rewritten (another headline style, words dropped/added)
* ``attribution``  an attribution added ("..., сообщает РИА Новости", "Источник: ТАСС",
                   a TASS-style dateline) or the RIA dateline removed
* ``drop_end``     the last 30-70 % of the paragraphs (sentences for RIA) dropped
* ``boilerplate``  a photo caption or credit line on top, "Читайте также: <a title>" in
                   the middle, "Подписывайтесь на наш канал" at the end
* ``boilerplate_unseen`` the same with captions, "Ранее мы писали", "Нашли ошибку?" and
                   other lines newsgrep.reprints has no pattern for (is it robust?)
* ``lead_only``    the first paragraph (RIA: two sentences), at least 25 words, under a
                   new headline
* ``punctuation``  quotes «»↔"", dashes, ё/е, spaces and line breaks changed
* ``typos``        one word in 25 misspelt (swap, drop or double a letter)
* ``mixed``        three of the above at once (what sites usually do)
* ``tg_natural``   Telegram posts labelled *copy* by hand in bench/reprints_telegram_labels.tsv
* ``hand_copy``    RIA/NG articles published again (headline changed, paragraphs added) within
                   days, and ``hand_late_copy`` weeks to years later, labelled by hand in
                   bench/reprints_hand_labels.tsv (outside the time window: not grouped, by design)

Negative pairs (two different stories), ``--n`` per kind:

* ``ria_topic_day``  two RIA articles of the same rubric and day
* ``ria_followup``   two RIA articles sharing a specific tag (< 40 articles), <= 3 days apart
* ``rtng_keywords``  two RT/NG articles sharing two keywords
* ``reprint_vs_topic`` a generated reprint (mixed) against another article of its
                   original's rubric and day (RIA) -- a reprint must not pull in neighbours
* ``tg_natural``     Telegram posts labelled *different* (same event in other words,
                   templates such as the daily currency column)
* ``followup``, ``same_event``, ``chain`` (bench/reprints_hand_labels.tsv, by hand): the
                   RIA pairs the old grouping (connected components) joined wrongly: real
                   follow-ups (same people and template, hours to days later, new facts),
                   same-event reports with their own wording, and the two ends of a chain
                   (A~B, B~C, A and C different stories; the middle articles are in the draw)

Every article has its corpus date (RIA, NG, Telegram; RT and NEREL are undated); a generated
reprint is dated 0-36 hours after its original.

Hard negatives are kept even when they share much of their text (a RIA follow-up
re-using the previous story's paragraphs under its own lead); the failures list
prints each pair's exact shingle containment (``exact_c``) to show such cases.

Grouping is evaluated as the index does it: every article of the draw (originals,
reprints, negatives' articles) goes into one ``ReprintIndex``; a pair is predicted a
copy when both land in the same group (so chains count). Alternatives are scored
pairwise on the same pairs: exact hash of the normalised text (the baseline),
MinHash of the whole text only, SimHash (64 bits over the same shingles).
Cost: CPU milliseconds per article for normalising + signing, on the originals.
"""
from __future__ import annotations

import argparse
import collections
import gzip
import json
import os
import random
import re
import sys
import time
from datetime import datetime, timezone
from typing import cast
from zlib import crc32

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from newsgrep import reprints as R  # noqa: E402

CORPUS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "shared", "corpus")
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus"
LABELS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reprints_telegram_labels.tsv")
HAND = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reprints_hand_labels.tsv")

# Set REPRINTS_EXCLUDE=0.5 to leave out hard negatives that share half their shingles.
EXCLUDE = float(os.environ.get("REPRINTS_EXCLUDE", "2"))
POSITIVE = ["headline", "attribution", "drop_end", "boilerplate", "boilerplate_unseen",
            "lead_only", "punctuation", "typos", "mixed", "tg_natural", "hand_copy",
            "hand_late_copy"]
NEGATIVE = ["ria_topic_day", "ria_followup", "rtng_keywords", "reprint_vs_topic", "tg_natural",
            "followup", "same_event", "chain"]
HAND_KINDS = {"hand_copy", "hand_late_copy", "followup", "same_event", "chain"}


# --- reading the corpus ---------------------------------------------------------------------

def load(corpus: str) -> tuple[list[dict], dict[str, dict]]:
    """The articles (RIA, RT/NG, NEREL) and the Telegram posts, by id."""
    arts = []
    for name in ("ria_2023_topics", "ru_kw_eval_rt_ng", "nerel_wikinews"):
        with gzip.open(os.path.join(corpus, "articles", name + ".jsonl.gz"), "rt") as fh:
            for line in fh:
                r = json.loads(line)
                r["title"] = r.get("title") or ""
                r["text"] = r.get("text") or ""
                arts.append(r)
    posts = {}
    with gzip.open(os.path.join(corpus, "posts", "telegram_news_posts.jsonl.gz"), "rt") as fh:
        for line in fh:
            r = json.loads(line)
            r["title"] = ""
            r["text"] = r.get("text") or ""
            posts[r["id"]] = r
    return arts, posts


def paragraphs(r: dict) -> list[str]:
    """Paragraphs; RIA texts have no line breaks, so their sentences."""
    text = r["text"]
    if r["id"].startswith("ria-"):
        return [s for s in re.split(r"(?<=[.!?»\"])\s+(?=[А-ЯЁA-Z«\"])", text) if s.strip()]
    return [p for p in text.split("\n") if p.strip()]


def join(r: dict, paras: list[str]) -> str:
    return (" " if r["id"].startswith("ria-") else "\n").join(paras)


# --- reprint generators ---------------------------------------------------------------------

AGENCIES = ["РИА Новости", "ТАСС", "Интерфакс", "РБК", "Известия", "RT"]
VERBS = ["сообщает", "передает", "пишет", "сообщают"]
CAPTIONS = ["Фото: Reuters", "Фото: ТАСС / Сергей Бобылев", "© РИА Новости / Илья Питалев",
            "Архивное фото", "Фото: Global Look Press", "Иллюстрация: пресс-служба"]
TAILS = ["Подписывайтесь на наш канал в Telegram, чтобы первыми узнавать новости.",
         "Читайте нас в Дзене и ВКонтакте.", "Реклама. erid: 2VtzqwH4sLs",
         "Подписаться на новости можно по ссылке https://t.me/example_news"]


def new_headline(rnd: random.Random, r: dict) -> str:
    title = r["title"]
    words = title.split()
    choice = rnd.randrange(4)
    if choice == 0 and r.get("subtitle"):
        return r["subtitle"]
    if choice == 1 and len(words) > 4:
        return "СМИ: " + " ".join(words[1:])
    if choice == 2:
        return (title.rstrip(".") + " — " + rnd.choice(AGENCIES)).strip()
    lead = re.findall(r"\w+", r["text"])[:12]
    return " ".join(lead[rnd.randrange(0, 3):]).capitalize()


def k_headline(rnd, r):
    return new_headline(rnd, r), r["text"]


def k_attribution(rnd, r):
    paras = paragraphs(r)
    text = join(r, paras)
    m = re.match(r"^\s*[A-ZА-ЯЁ][A-ZА-ЯЁ .\-]{1,40},\s*\d{1,2}\s+[а-яё]{3,9}\.?\s*[-–—]\s*РИА Новости\.\s*",
                 text)
    if m and rnd.random() < 0.5:  # remove the dateline, or make it TASS-style
        rest = text[m.end():]
        if rnd.random() < 0.5:
            return r["title"], rest
        return r["title"], f"МОСКВА, {rnd.randint(1, 28)} октября. /ТАСС/. " + rest
    choice = rnd.randrange(3)
    agency = rnd.choice(AGENCIES)
    if choice == 0:  # into the first sentence
        first = paras[0]
        cut = first.find(". ")
        cut = cut if cut > 0 else len(first.rstrip(".")) - 0
        first = first[:cut] + f", {rnd.choice(VERBS)} {agency}" + first[cut:]
        return r["title"], join(r, [first] + paras[1:])
    if choice == 1:
        return r["title"], join(r, paras + [f"Источник: {agency}"])
    return r["title"], join(r, [f"Как сообщает {agency}, " + paras[0][0].lower() + paras[0][1:]]
                         + paras[1:])


def k_drop_end(rnd, r):
    paras = paragraphs(r)
    keep = max(1, round(len(paras) * rnd.uniform(0.3, 0.7)))
    return r["title"], join(r, paras[:keep])


def k_boilerplate(rnd, r, other_title="Главные новости дня"):
    paras = paragraphs(r)
    out = list(paras)
    if rnd.random() < 0.7:
        out.insert(0, rnd.choice(CAPTIONS))
    if len(out) > 2:
        out.insert(rnd.randrange(2, len(out)), f"Читайте также: {other_title}")
    if rnd.random() < 0.7:
        out.append(rnd.choice(TAILS))
    return r["title"], "\n".join(out)


UNSEEN_TOP = ["Президент России во время совещания с членами правительства в Кремле",
              "Кадр из видео", "Участники акции на площади перед зданием администрации",
              "Так выглядит место происшествия через час после аварии"]
UNSEEN_MID = ["Ранее мы писали: {}", "Материалы по теме: {}", "Смотрите также {}",
              "Новости партнеров: {}"]
UNSEEN_END = ["Нашли ошибку? Выделите ее и нажмите Ctrl+Enter",
              "Все главные новости дня — в нашем канале в MAX",
              "Материал подготовлен при поддержке редакции региональных новостей",
              "Мнение автора может не совпадать с позицией редакции"]


def k_boilerplate_unseen(rnd, r, other_title="Главные новости дня"):
    """Boilerplate that newsgrep.reprints has no pattern for (a robustness check)."""
    out = list(paragraphs(r))
    if rnd.random() < 0.7:
        out.insert(0, rnd.choice(UNSEEN_TOP))
    if len(out) > 2:
        out.insert(rnd.randrange(2, len(out)), rnd.choice(UNSEEN_MID).format(other_title))
    out.append(rnd.choice(UNSEEN_END))
    return r["title"], "\n".join(out)


def k_lead_only(rnd, r):
    paras = paragraphs(r)
    out = []
    for p in paras:
        out.append(p)
        if len(" ".join(out).split()) >= (25 if not r["id"].startswith("ria-") else 40):
            break
    return new_headline(rnd, r), join(r, out)


def k_punctuation(rnd, r):
    t = r["text"]
    if rnd.random() < 0.5:
        t = re.sub(r"«([^«»]*)»", r'"\1"', t)
    else:
        t = re.sub(r'"([^"]*)"', r"«\1»", t)
    t = t.replace(" – ", " - ").replace(" — ", " -- ") if rnd.random() < 0.5 else t.replace(" - ", " — ")
    t = t.replace("ё", "е") if rnd.random() < 0.5 else t.replace("ее ", "её ")
    t = t.replace(". ", ".  ").replace(", ", " , ") if rnd.random() < 0.3 else t
    t = t.replace("\n", "\n\n") if rnd.random() < 0.5 else t
    return r["title"].replace("«", '"').replace("»", '"'), t


def typo(rnd, w):
    if len(w) < 4:
        return w
    i = rnd.randrange(1, len(w) - 1)
    c = rnd.randrange(3)
    if c == 0:
        return w[:i] + w[i + 1] + w[i] + w[i + 2:]
    if c == 1:
        return w[:i] + w[i + 1:]
    return w[:i] + w[i] + w[i:]


def k_typos(rnd, r):
    parts = re.split(r"(\s+)", r["text"])
    parts = [typo(rnd, p) if not p.isspace() and rnd.random() < 0.04 else p for p in parts]
    return r["title"], "".join(parts)


SINGLE = {"headline": k_headline, "attribution": k_attribution, "drop_end": k_drop_end,
          "boilerplate": k_boilerplate, "lead_only": k_lead_only,
          "punctuation": k_punctuation, "typos": k_typos}


def k_mixed(rnd, r):
    kinds = rnd.sample(["headline", "attribution", "drop_end", "boilerplate", "punctuation",
                        "typos"], 3)
    cur = dict(r)
    for k in kinds:
        cur["title"], cur["text"] = SINGLE[k](rnd, cur)
    return cur["title"], cur["text"]


SINGLE["mixed"] = k_mixed


# --- alternatives -------------------------------------------------------------------------

def exact_key(ws: list[str]) -> int:
    return crc32(" ".join(ws).encode()) if ws else -1


def simhash(ws: list[str]) -> int:
    """64-bit SimHash of the word 3-shingles (two crc32 per shingle)."""
    counts = [0] * 64
    for a, b, c in zip(ws, ws[1:], ws[2:]):
        s = f"{a} {b} {c}".encode()
        h = crc32(s) | (crc32(s, 0x5BD1E995) << 32)
        for i in range(64):
            counts[i] += 1 if h >> i & 1 else -1
    return sum(1 << i for i in range(64) if counts[i] > 0)


def shingles(ws: list[str]) -> set:
    return {(a, b, c) for a, b, c in zip(ws, ws[1:], ws[2:])}


def containment(a: list[str], b: list[str]) -> float:
    sa, sb = shingles(a), shingles(b)
    if not sa or not sb:
        return 0.0
    return len(sa & sb) / min(len(sa), len(sb))


# --- the draw -------------------------------------------------------------------------------

def when(r: dict) -> float | None:
    """A record's date as POSIX seconds (naive: UTC, as the index reads it), None if none."""
    d = r.get("date")
    if not d:
        return None
    t = datetime.fromisoformat(d)
    if t.tzinfo is None:
        t = t.replace(tzinfo=timezone.utc)
    return t.timestamp()


def draw(seed: int, n: int, arts: list[dict], posts: dict[str, dict]):
    """``docs`` (id -> (title, text)), ``pairs`` [(id_a, id_b, is_copy, kind)], the hard
    negatives left out, and ``dates`` (id -> POSIX seconds; a generated reprint appears
    0-36 hours after its original, undated when that is)."""
    rnd = random.Random(seed)
    dates: dict[str, float] = {}
    by_id = {r["id"]: r for r in arts}
    usable = [r for r in arts if len(r["text"].split()) >= 60]
    rnd.shuffle(usable)
    docs: dict[str, tuple[str, str]] = {}
    pairs: list[tuple[str, str, bool, str]] = []
    pool = iter(usable)
    ria = [r for r in arts if r["id"].startswith("ria-") and len(r["text"].split()) >= 30]
    by_topic_day = collections.defaultdict(list)
    for r in ria:
        by_topic_day[(r["topic"], r["date"][:10])].append(r)
    titles = [r["title"] for r in usable if r["title"]]

    for kind in POSITIVE[:POSITIVE.index("tg_natural")]:  # the generated kinds
        for _ in range(n):
            r = next(pool)
            if kind == "boilerplate":
                title, text = k_boilerplate(rnd, r, rnd.choice(titles))
            elif kind == "boilerplate_unseen":
                title, text = k_boilerplate_unseen(rnd, r, rnd.choice(titles))
            else:
                title, text = SINGLE[kind](rnd, r)
            cid = f"{r['id']}~{kind}"
            docs[r["id"]] = (r["title"], r["text"])
            docs[cid] = (title, text)
            if when(r) is not None:
                dates[r["id"]] = when(r)
                dates[cid] = dates[r["id"]] + rnd.uniform(0, 36 * 3600)
            pairs.append((r["id"], cid, True, kind))

    excluded = collections.Counter()

    def negative(kind, a, b):
        wa, wb = R.words(a["title"], a["text"]), R.words(b["title"], b["text"])
        if containment(wa, wb) >= EXCLUDE:
            excluded[kind] += 1
            return False
        docs[a["id"]] = (a["title"], a["text"])
        docs[b["id"]] = (b["title"], b["text"])
        for r in (a, b):
            if when(r) is not None:
                dates[r["id"]] = when(r)
        pairs.append((a["id"], b["id"], False, kind))
        return True

    groups = [g for g in by_topic_day.values() if len(g) > 1]
    got = 0
    while got < n:
        g = rnd.choice(groups)
        a, b = rnd.sample(g, 2)
        got += negative("ria_topic_day", a, b)

    tag_count = collections.Counter(t for r in ria for t in set(r.get("tags") or []))
    by_tag = collections.defaultdict(list)
    for r in ria:
        for t in set(r.get("tags") or []):
            if 2 <= tag_count[t] < 40:
                by_tag[t].append(r)
    tags = sorted(by_tag)
    got = tries = 0
    while got < n and tries < 100 * n:
        tries += 1
        g = by_tag[rnd.choice(tags)]
        a, b = rnd.sample(g, 2)
        da = datetime.fromisoformat(a["date"]).date()
        db = datetime.fromisoformat(b["date"]).date()
        if abs((da - db).days) <= 3:
            got += negative("ria_followup", a, b)

    rtng = [r for r in arts if r["source"] in ("russian.rt.com", "ng.ru") and r.get("keywords")
            and len(r["text"].split()) >= 30]
    by_kw = collections.defaultdict(list)
    for r in rtng:
        for k in r["keywords"]:
            by_kw[k].append(r)
    kws = sorted(k for k, v in by_kw.items() if 2 <= len(v) <= 200)
    got = tries = 0
    while got < n and tries < 100 * n:
        tries += 1
        a = rnd.choice(by_kw[rnd.choice(kws)])
        others = [b for k in a["keywords"] for b in by_kw[k] if b["id"] != a["id"]]
        shared = [b for b in others if len(set(a["keywords"]) & set(b["keywords"])) >= 2]
        if shared:
            got += negative("rtng_keywords", a, rnd.choice(shared))

    got = 0
    while got < n:
        g = rnd.choice(groups)
        a, b = rnd.sample(g, 2)
        if len(a["text"].split()) < 60:
            continue
        title, text = k_mixed(rnd, a)
        cid = f"{a['id']}~negmixed"
        copy = {"id": cid, "title": title, "text": text, "date": a["date"]}
        if negative("reprint_vs_topic", copy, b):
            docs[cid] = (title, text)
            got += 1

    with open(LABELS, encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            a, b, label, _ = (line.rstrip("\n") + "\t").split("\t", 3)
            if label == "skip":
                continue
            for i in (a, b):
                docs[i] = ("", posts[i]["text"])
                dates[i] = cast(float, when(posts[i]))
            pairs.append((a, b, label == "copy", "tg_natural"))
    with open(HAND, encoding="utf-8") as fh:  # real copies and hard negatives, by hand
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            a, b, label, kind, _ = (line.rstrip("\n") + "\t").split("\t", 4)
            for i in (a, b):
                docs[i] = (by_id[i]["title"], by_id[i]["text"])
                if when(by_id[i]) is not None:
                    dates[i] = cast(float, when(by_id[i]))
            pairs.append((a, b, label == "copy", kind))
    return docs, pairs, excluded, dates


# --- scoring --------------------------------------------------------------------------------

def gap(dates: dict, a: str, b: str) -> str:
    if a in dates and b in dates:
        return f"{abs(dates[a] - dates[b]) / 86400:.1f}"
    return "?"


def components(ids: list[str], sigs: dict) -> dict[str, str]:
    """The grouping newsgrep had before (<= fe9e7c2): connected components of
    ``R.similar`` with its thresholds of then (whole text >= 0.5 with leads >= 0.3),
    found through the index's LSH candidates, dates ignored."""
    saved = R.FULL_THRESHOLD, R.LEAD_AGREE
    R.FULL_THRESHOLD, R.LEAD_AGREE = 0.5, 0.3
    try:
        return _components(ids, sigs)
    finally:
        R.FULL_THRESHOLD, R.LEAD_AGREE = saved


def _components(ids: list[str], sigs: dict) -> dict[str, str]:
    index = R.ReprintIndex()
    parent = {i: i for i in ids}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i in ids:
        for j in index.candidates(sigs[i]):
            parent[find(i)] = find(j)
        index.add(i, sigs[i])
    return {i: find(i) for i in ids}


def evaluate(seed: int, n: int, arts, posts, out) -> None:
    docs, pairs, excluded, dates = draw(seed, n, arts, posts)
    ids = sorted(docs)
    t0 = time.process_time()
    ws = {i: R.words(*docs[i]) for i in ids}
    t1 = time.process_time()
    sigs = {i: R.signature_of_words(ws[i]) for i in ids}
    t2 = time.process_time()
    index = R.ReprintIndex()
    for i in ids:
        index.add(i, sigs[i], dates.get(i))
    t3 = time.process_time()
    group = {i: index.group_id(i) for i in ids}
    component = components(ids, sigs)
    exact = {i: exact_key(ws[i]) for i in ids}
    t4 = time.process_time()
    simh = {i: simhash(ws[i]) for i in ids}
    t5 = time.process_time()

    methods = {
        "exact hash (baseline)": lambda a, b: exact[a] == exact[b] and exact[a] != -1,
        "MinHash whole text, J>=0.5": lambda a, b: R.full_similarity(sigs[a], sigs[b]) >= 0.5,
        "SimHash 64, Hamming<=6": lambda a, b: bin(simh[a] ^ simh[b]).count("1") <= 6,
        "SimHash 64, Hamming<=12": lambda a, b: bin(simh[a] ^ simh[b]).count("1") <= 12,
        "chosen, pairwise": lambda a, b: R.similar(sigs[a], sigs[b]),
        "before (fe9e7c2): components, J>=0.5, no window": lambda a, b: component[a] == component[b],
        "chosen, groups (index)": lambda a, b: group[a] == group[b],
    }
    k = len(ids)
    print(f"\n### seed {seed}: {len(pairs)} pairs, {k} articles "
          f"(hard negatives left out as near-identical: {dict(excluded) or 0})\n", file=out)
    print(f"Cost per article (CPU): normalise {1000 * (t1 - t0) / k:.3f} ms, MinHash signature "
          f"{1000 * (t2 - t1) / k:.3f} ms, index add {1000 * (t3 - t2) / k:.3f} ms; "
          f"SimHash {1000 * (t5 - t4) / k:.3f} ms; signature {R.SIGNATURE_BYTES} bytes\n",
          file=out)
    head = "| method | " + " | ".join(f"+{c}" for c in POSITIVE) + " | " + \
        " | ".join(f"-{c}" for c in NEGATIVE) + " | precision | recall |"
    print(head, file=out)
    print("|---" * (len(POSITIVE) + len(NEGATIVE) + 3) + "|", file=out)
    count = collections.Counter((copy, kind) for _, _, copy, kind in pairs)
    for name, pred in methods.items():
        hits = collections.Counter()
        for a, b, copy, kind in pairs:
            hits[(copy, kind)] += pred(a, b)
        tp = sum(v for (c, _), v in hits.items() if c)
        fp = sum(v for (c, _), v in hits.items() if not c)
        npos = sum(v for (c, _), v in count.items() if c)
        cells = [f"{hits[(True, c)] / count[(True, c)]:.2f}" for c in POSITIVE]
        cells += [f"{hits[(False, c)]}/{count[(False, c)]}" for c in NEGATIVE]
        prec = tp / (tp + fp) if tp + fp else 0.0
        print(f"| {name} | " + " | ".join(cells) + f" | {prec:.3f} | {tp / npos:.3f} |", file=out)
    print(f"\nPositive cells: recall (share of copies found; n={n} per generated kind, "
          f"{count[(True, 'tg_natural')]} natural, {count[(True, 'hand_copy')]} + "
          f"{count[(True, 'hand_late_copy')]} RIA/NG by hand). Negative cells: false copies / "
          f"pairs.", file=out)
    if os.environ.get("REPRINTS_DUMP"):
        with open(os.environ["REPRINTS_DUMP"] + f".{seed}", "w") as fh:
            for a, b, copy, kind in pairs:
                sa, sb = sigs[a], sigs[b]
                print(int(copy), kind, R.full_similarity(sa, sb), R.lead_similarity(sa, sb),
                      min(sa.words, sb.words), file=fh)
    if out is sys.stdout:
        fails = [(a, b, copy, kind) for a, b, copy, kind in pairs if methods["chosen, groups (index)"](a, b) != copy]
        print("\nFailures (chosen, groups):", file=sys.stderr)
        for a, b, copy, kind in fails[:40]:
            sa, sb = sigs[a], sigs[b]
            print(f"  {'FN' if copy else 'FP'} {kind} {a} {b} full={R.full_similarity(sa, sb):.2f} "
                  f"lead={R.lead_similarity(sa, sb):.2f} words={sa.words}/{sb.words} "
                  f"exact_c={containment(ws[a], ws[b]):.2f} days={gap(dates, a, b)}", file=sys.stderr)


def main(argv=None) -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--seed", type=int, action="append", help="seed (repeatable; default 1 and 2)")
    p.add_argument("--n", type=int, default=100, help="pairs per generated kind (default 100)")
    p.add_argument("--corpus", default=CORPUS)
    args = p.parse_args(argv)
    arts, posts = load(args.corpus)
    for seed in args.seed or [1, 2]:
        evaluate(seed, args.n, arts, posts, sys.stdout)


if __name__ == "__main__":
    main()
