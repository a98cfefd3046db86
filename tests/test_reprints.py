"""Tests for newsgrep.reprints: normalisation, signatures, the near-copy relation and
incrementally kept reprint groups. The articles are written for these tests."""
from __future__ import annotations

import itertools
import random
import subprocess
import sys
from datetime import datetime, timezone

import pytest

from newsgrep import reprints as R

BRIDGE = [
    "ЗАРЕЧЕНСК, 14 мар – РИА Новости. Новый вантовый мост через реку Сувойку открыли в "
    "Зареченске в пятницу утром, на три месяца раньше срока, сообщил мэр города Олег Пантелеев. "
    "По мосту уже пошли первые автобусы городских маршрутов.",
    "Строительство переправы длиной 840 метров обошлось областному бюджету в 6,2 миллиарда "
    "рублей. Мост рассчитан на шесть полос движения и выдерживает нагрузку до 90 тонн.",
    "По словам Пантелеева, новая переправа разгрузит старый Троицкий мост, по которому в часы "
    "пик проезжает до четырех тысяч машин. Пробки на набережной должны уменьшиться вдвое.",
    "Подрядчик, компания «Мостострой-12», обещает до конца лета закончить благоустройство "
    "подходов: тротуары, велодорожку и смотровую площадку над фарватером.",
    "Жители правобережья ждали мост почти двадцать лет: проект впервые представили еще в 2006 "
    "году, но стройку дважды останавливали из-за нехватки денег.",
    "Торжественную церемонию открытия провели без перекрытия движения, а вечером на мосту "
    "включили архитектурную подсветку, которую видно с любой точки набережной.",
]
BRIDGE_TITLE = "В Зареченске открыли новый мост через Сувойку"

# The same event, in other words (another outlet's own report).
OTHER_REPORT = (
    "Автомобилисты Зареченска получили долгожданную переправу: в пятницу власти запустили "
    "движение по вантовому мосту над Сувойкой. Объект сдали раньше запланированного, отметил "
    "глава города. Стоимость работ превысила шесть миллиардов, а длина сооружения составляет "
    "почти километр. Горожане надеются, что заторы на набережной исчезнут, хотя эксперты "
    "сомневаются: поток машин в городе растет каждый год, и одного моста может не хватить."
)
# The next day's follow-up: its own lead, then the background paragraphs re-used.
FOLLOW_UP = [
    "ЗАРЕЧЕНСК, 15 мар – РИА Новости. Движение по новому мосту через Сувойку в Зареченске "
    "ограничили на сутки после того, как водители пожаловались на неработающие светофоры на "
    "съезде к набережной, сообщили в городской администрации.",
    "Специалисты подрядчика перенастраивают контроллеры, проезд обещают открыть к утру субботы.",
    BRIDGE[1],
]
LIBRARY = (
    "Областная библиотека имени Гончарова проведет в апреле фестиваль комиксов. На трех "
    "площадках покажут работы художников из двенадцати городов, пройдут мастер-классы по "
    "раскадровке и лекции об истории жанра. Вход на все мероприятия свободный, но на "
    "мастер-классы нужно записаться заранее на сайте библиотеки. Организаторы ждут около "
    "пяти тысяч гостей и впервые откроют отдельный зал для детей младшего возраста."
)


def sig(title: str, body: str) -> R.Signature:
    return R.signature(title, body)


def bridge(paras=BRIDGE, title=BRIDGE_TITLE) -> R.Signature:
    return sig(title, "\n".join(paras))


def typos(text: str, every: int = 25) -> str:
    words = text.split(" ")
    return " ".join(w[:1] + w[2:1:-1] + w[1:2] + w[3:] if i % every == 7 and len(w) > 4 else w
                    for i, w in enumerate(words))


# --- normalisation -------------------------------------------------------------------------

@pytest.mark.parametrize("body, expected", [
    ("Ёлка у «Дома» — 12 метров!", ["елка", "у", "дома", "12", "метров"]),
    ("МОСКВА, 3 янв – РИА Новости. Снег идет.", ["снег", "идет"]),
    ("МОСКВА, 3 января. /ТАСС/. Снег идет.", ["снег", "идет"]),
    ("Мост открыли, сообщает РИА Новости, утром.", ["мост", "открыли", "утром"]),
    ("Мост открыли утром, передает ТАСС.", ["мост", "открыли", "утром"]),
    ("Мост открыли утром\nЧитайте также: Что будет с погодой\nФото: Reuters\nhttps://x.ru/a",
     ["мост", "открыли", "утром"]),
    ("Мост **открыли** [утром](https://t.me/x)", ["мост", "открыли", "утром"]),
])
def test_words(body, expected):
    assert R.words("", body) == expected


def test_words_ignore_title_unless_body_is_nearly_empty():
    assert R.words("Новый заголовок", "\n".join(BRIDGE))[:2] == ["новый", "вантовый"]
    assert R.words("Мост открыт", "") == ["мост", "открыт"]


def test_words_drop_short_lines_and_scripts():
    body = BRIDGE[0] + "\nReuters\nvar a = 1; f(); g(); {x}\n" + BRIDGE[1]
    assert R.words("", body) == R.words("", BRIDGE[0] + "\n" + BRIDGE[1])


def test_words_bounded():
    assert len(R.words("", "слово " * 10_000)) <= R.MAX_WORDS


# --- signatures ----------------------------------------------------------------------------

def test_signature_round_trip_and_size():
    s = bridge()
    data = s.to_bytes()
    assert len(data) == R.SIGNATURE_BYTES <= 200
    assert R.Signature.from_bytes(data) == s
    assert len(s.full) == R.FULL_K and len(s.lead) == R.LEAD_K


def test_signature_is_the_same_in_every_process():
    code = ("from newsgrep import reprints as R; import sys; "
            "print(R.signature(sys.argv[1], sys.argv[2]).to_bytes().hex())")
    outs = set()
    for seed in ("1", "2", "random"):
        out = subprocess.run([sys.executable, "-c", code, BRIDGE_TITLE, "\n".join(BRIDGE)],
                             env={"PYTHONHASHSEED": seed, "PATH": ""}, capture_output=True,
                             text=True, check=True).stdout.strip()
        outs.add(out)
    assert outs == {bridge().to_bytes().hex()}


def test_empty_text_is_nobodys_copy():
    empty = sig("", "")
    assert empty.empty
    assert not R.similar(empty, empty)


# --- the near-copy relation ----------------------------------------------------------------

COPIES = {
    "same": lambda: bridge(),
    "new headline + attribution": lambda: sig(
        "Мэр Зареченска открыл мост раньше срока",
        "\n".join([BRIDGE[0].replace("сообщил мэр", "сообщает ТАСС. Об этом сказал мэр")]
                  + BRIDGE[1:])),
    "dateline dropped, quotes and dashes changed": lambda: sig(
        BRIDGE_TITLE, "\n".join(BRIDGE).split("РИА Новости. ", 1)[1]
        .replace("«", '"').replace("»", '"').replace(" – ", " - ")),
    "last paragraphs cut": lambda: bridge(BRIDGE[:3]),
    "boilerplate around": lambda: sig(BRIDGE_TITLE, "\n".join(
        ["Фото: пресс-служба мэрии"] + BRIDGE[:3] + ["Читайте также: Пробки в городе"]
        + BRIDGE[3:] + ["Подписывайтесь на наш канал в Telegram"])),
    "typos": lambda: sig(BRIDGE_TITLE, typos("\n".join(BRIDGE))),
    "lead only, new headline": lambda: sig("Мост через Сувойку заработал", BRIDGE[0]),
}


@pytest.mark.parametrize("kind", sorted(COPIES))
def test_copies_are_similar(kind):
    copy = COPIES[kind]()
    assert R.similar(bridge(), copy) and R.similar(copy, bridge())
    assert R.similarity(bridge(), copy) > 0.5


@pytest.mark.parametrize("other", [
    sig("Мост над Сувойкой открыт", OTHER_REPORT),
    sig("Движение по мосту ограничили", "\n".join(FOLLOW_UP)),
    sig("Фестиваль комиксов", LIBRARY),
], ids=["same event, own words", "follow-up re-using a paragraph", "unrelated"])
def test_different_stories_are_not_similar(other):
    assert not R.similar(bridge(), other)
    assert R.similarity(bridge(), other) == 0.0


# --- groups --------------------------------------------------------------------------------

def articles() -> dict[str, R.Signature]:
    """A small archive: the bridge story, five copies, three other stories."""
    arts = {f"copy-{i}": COPIES[k]() for i, k in enumerate(sorted(COPIES)) if k != "same"}
    arts.update({
        "bridge": bridge(),
        "other-report": sig("Мост над Сувойкой открыт", OTHER_REPORT),
        "follow-up": sig("Движение по мосту ограничили", "\n".join(FOLLOW_UP)),
        "library": sig("Фестиваль комиксов", LIBRARY),
        "library-copy": sig("В библиотеке пройдет фестиваль", "Читайте также\n" + LIBRARY),
    })
    return arts


def build(items) -> R.ReprintIndex:
    ix = R.ReprintIndex()
    ix.update(items)
    return ix


def test_groups():
    ix = build(sorted(articles().items()))
    copies = sorted(["bridge"] + [k for k in articles() if k.startswith("copy-")])
    assert ix.group("bridge") == copies
    assert ix.copies("bridge") == len(copies) - 1
    assert ix.group_id("copy-3") == copies[0]
    assert ix.group("library") == ["library", "library-copy"]
    assert ix.group("other-report") == ["other-report"]
    assert ix.group("follow-up") == ["follow-up"]
    assert len(ix) == len(articles())
    assert ix.groups() == sorted([copies, ["follow-up"], ["library", "library-copy"],
                                  ["other-report"]])


def brute_force_groups(arts: dict, dates: dict | None = None) -> list[list[str]]:
    """The groups by definition, over all pairs: in lead order (earliest, undated last,
    longest, smallest key) each article joins the earlier centre it is linked to
    (similar within the window, or the same text at any date) with the highest
    similarity, or becomes a centre."""
    dates = dates or {}

    def ts(k):
        d = dates.get(k)
        return None if d is None else R._when(d)

    def linked(a, b):
        ta, tb = ts(a), ts(b)
        near = ta is None or tb is None or abs(ta - tb) <= R.WINDOW_DAYS * 86400
        if near:
            return R.similar(arts[a], arts[b])
        return not arts[a].empty and R.full_similarity(arts[a], arts[b]) >= R.SAME_TEXT

    order = sorted(arts, key=lambda k: (ts(k) is None, ts(k) or 0, -arts[k].words, k))
    centres: list[str] = []
    group: dict[str, str] = {}
    for k in order:
        linked_centres = [c for c in centres if linked(k, c)]
        if linked_centres:
            group[k] = max(linked_centres, key=lambda c: R.full_similarity(arts[k], arts[c]))
        else:
            centres.append(k)
            group[k] = k
    out: dict[str, list[str]] = {}
    for k, c in group.items():
        out.setdefault(c, []).append(k)
    return sorted(sorted(g) for g in out.values())


def test_groups_follow_their_definition():
    arts = articles()
    assert build(arts.items()).groups() == brute_force_groups(arts)


def test_rebuild_equals_incremental_in_any_order():
    arts = articles()
    expected = build(sorted(arts.items())).groups()
    rnd = random.Random(5)
    for _ in range(20):
        keys = list(arts)
        rnd.shuffle(keys)
        ix = R.ReprintIndex()
        # add in pieces, removing and re-adding some on the way, as incremental runs do
        for i, k in enumerate(keys):
            ix.add(k, arts[k])
            if i % 3 == 2:
                gone = rnd.choice(keys[:i + 1])
                ix.remove(gone)
                ix.add(gone, arts[gone])
        assert ix.groups() == expected


def test_remove_the_article_that_held_a_group_together():
    lead_only = COPIES["lead only, new headline"]()
    # the same story under a new first paragraph: a copy of the bridge story, but
    # sharing nothing with the lead-only copy
    new_lead = bridge(["Городские власти отчитались о самой крупной стройке десятилетия, "
                       "которую в Зареченске завершили на этой неделе при большом стечении "
                       "публики и журналистов."] + BRIDGE[1:])
    assert not R.similar(lead_only, new_lead)
    ix = build([("bridge", bridge()), ("lead", lead_only), ("new-lead", new_lead)])
    assert ix.group("lead") == ["bridge", "lead", "new-lead"]
    ix.remove("bridge")
    assert ix.groups() == [["lead"], ["new-lead"]]
    assert "bridge" not in ix and len(ix) == 2
    ix.add("bridge", bridge())
    assert ix.groups() == [["bridge", "lead", "new-lead"]]


def test_remove_a_copy_keeps_the_rest_of_its_group():
    arts = articles()
    ix = build(arts.items())
    ix.remove("copy-0")
    del arts["copy-0"]
    assert ix.groups() == brute_force_groups(arts)
    with pytest.raises(KeyError):
        ix.group("copy-0")


def test_changed_article_moves_to_its_new_group():
    ix = build(articles().items())
    ix.add("library-copy", bridge(BRIDGE[:4]))  # the same key, new text
    assert "library-copy" in ix.group("bridge")
    assert ix.group("library") == ["library"]


def test_candidates_look_up_without_adding():
    ix = build(articles().items())
    found = ix.candidates(COPIES["typos"]())
    assert "bridge" in found and "library" not in found
    assert len(ix) == len(articles())


def test_compact_keeps_groups():
    ix = build(articles().items())
    for k in ("copy-1", "library"):
        ix.remove(k)
    before = ix.groups()
    ix.compact()
    assert ix.groups() == before


def test_a_shared_template_opening_is_not_a_copy():
    opening = ("Оперативный штаб Зареченской области сообщил в понедельник утром о ситуации в "
               "приграничных районах по состоянию на восемь часов утра, а также о работе "
               "экстренных служб, больниц и дорог региона.")
    a, b = sig("", opening + "\n" + OTHER_REPORT), sig("", opening + "\n" + LIBRARY)
    assert R.lead_similarity(a, b) == 1.0
    assert not R.similar(a, b)
    # ... while a lead-only copy of the same length as that opening is one
    assert R.similar(a, sig("Штаб сообщил", opening))


def test_dumps_and_loads_keep_groups_and_go_on_incrementally():
    arts = articles()
    ix = build(sorted(arts.items()))
    ix.remove("copy-2")
    again = R.ReprintIndex.loads(ix.dumps())
    assert again.groups() == ix.groups()
    assert again.signature("bridge") == arts["bridge"]
    assert len(again) == len(ix) and again.removed == 1
    # the loaded index goes on as the original would
    for x in (ix, again):
        x.remove("bridge")
        x.add("copy-2", arts["copy-2"])
    assert again.groups() == ix.groups()
    assert again.group_ids() == ix.group_ids()


@pytest.mark.parametrize("data", [b"", b"junk", R.MAGIC + b"\x00\x01"])
def test_loads_refuses_other_data(data):
    with pytest.raises(ValueError):
        R.ReprintIndex.loads(data)


def test_group_ids():
    ids = build(articles().items()).group_ids()
    assert ids["library-copy"] == ids["library"] == "library"
    assert ids["bridge"] == ids["copy-0"] != ids["follow-up"] == "follow-up"


def test_labelled_telegram_pairs(shared):
    """The hand-labelled natural pairs (bench/): every id is in the corpus, and no
    pair labelled "different" is taken for a copy."""
    import gzip
    import json
    from pathlib import Path

    labels = Path(__file__).resolve().parent.parent / "bench" / "reprints_telegram_labels.tsv"
    rows = [line.rstrip("\n").split("\t") for line in labels.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    assert {r[2] for r in rows} == {"copy", "different", "skip"}
    wanted = {i for r in rows for i in r[:2]}
    texts = {}
    with gzip.open(shared / "corpus" / "posts" / "telegram_news_posts.jsonl.gz", "rt") as fh:
        for line in fh:
            rec = json.loads(line)
            if rec["id"] in wanted:
                texts[rec["id"]] = rec["text"]
    assert set(texts) == wanted
    for a, b, label, _ in rows:
        if label == "different":
            assert not R.similar(sig("", texts[a]), sig("", texts[b])), (a, b)


@pytest.mark.parametrize("copies, expected", [
    ([("b", datetime(2024, 1, 2), 100), ("a", datetime(2024, 1, 3), 300)], ("b", "earliest")),
    ([("b", datetime(2024, 1, 2), 100), ("c", datetime(2024, 1, 2), 300), ("a", None, 400)],
     ("c", "earliest, longest")),
    ([("b", datetime(2024, 1, 2), 100), ("a", datetime(2024, 1, 2), 100)],
     ("a", "earliest, first by id")),
    ([("b", None, 100), ("a", None, 50)], ("b", "longest (no dates)")),
    ([("b", None, 100), ("a", None, 100)], ("a", "first by id (no dates)")),
])
def test_choose_lead(copies, expected):
    assert R.choose_lead(copies) == expected


# --- chains, the time window, the lead as centre --------------------------------------------

def synthetic(changed: range, lead: int = 0, words: int = 100) -> R.Signature:
    """A signature whose whole-text bins differ from a base story's in ``changed``;
    the lead bins are all ``lead``'s own (so only the whole text can link two)."""
    full = tuple(1000 + i if i in changed else i for i in range(R.FULL_K))
    return R.Signature(full, tuple(5000 + 100 * lead + i for i in range(R.LEAD_K)), words)


# A ~ B and B ~ C (24 of 32 bins equal), A !~ C (16 of 32): a chain of follow-ups.
CHAIN_A, CHAIN_B = synthetic(range(0)), synthetic(range(8), lead=1)
CHAIN_C = R.Signature(tuple(1000 + i if i < 8 else 2000 + i if i < 16 else i
                            for i in range(R.FULL_K)), synthetic(range(0), lead=2).lead, 100)
DAY = 86400.0


def test_the_chain_fixture():
    assert R.similar(CHAIN_A, CHAIN_B) and R.similar(CHAIN_B, CHAIN_C)
    assert not R.similar(CHAIN_A, CHAIN_C)


@pytest.mark.parametrize("dates, expected", [
    # A first: B is a copy of A; C is not (a copy of B only): it starts its own group
    ({"a": 0, "b": 3600, "c": 7200}, [["a", "b"], ["c"]]),
    # B first: both A and C are near copies of B, the centre
    ({"b": 0, "a": 3600, "c": 7200}, [["a", "b", "c"]]),
    # undated: the longest first, then the smallest key (a)
    ({}, [["a", "b"], ["c"]]),
])
def test_a_chain_is_not_one_group(dates, expected):
    arts = {"a": CHAIN_A, "b": CHAIN_B, "c": CHAIN_C}
    assert brute_force_groups(arts, dates) == expected
    for keys in itertools.permutations(arts):
        ix = R.ReprintIndex()
        for k in keys:
            ix.add(k, arts[k], dates.get(k))
        assert ix.groups() == expected, keys


def test_every_member_is_a_copy_of_the_centre():
    ix = R.ReprintIndex()
    ix.update([("a", CHAIN_A, 0), ("b", CHAIN_B, 60), ("c", CHAIN_C, 120)])
    for key in "abc":
        centre = ix.centre(key)
        assert all(R.similar(ix.signature(m), ix.signature(centre))
                   for m in ix.group(key) if m != centre)
    assert ix.centre("b") == "a" and ix.centre("c") == "c"


def test_removing_the_lead_regroups_the_rest_around_a_new_one():
    ix = R.ReprintIndex()
    ix.update([("a", CHAIN_A, 0), ("b", CHAIN_B, 60), ("c", CHAIN_C, 120)])
    assert ix.groups() == [["a", "b"], ["c"]]
    ix.remove("a")
    assert ix.groups() == [["b", "c"]] and ix.centre("c") == "b"
    ix.add("a", CHAIN_A, 0)
    assert ix.groups() == [["a", "b"], ["c"]]
    ix.remove("b")  # the bridge: A and C were never one group, and are not now
    assert ix.groups() == [["a"], ["c"]]


def test_a_copy_outside_the_window_of_the_lead_is_another_story():
    copy = synthetic(range(4))  # 28 of 32 bins: a near copy, not the same text
    assert R.similar(CHAIN_A, copy) and R.full_similarity(CHAIN_A, copy) < R.SAME_TEXT
    for gap, expected in [(R.WINDOW_DAYS * DAY - 1, [["a", "copy"]]),
                          (R.WINDOW_DAYS * DAY + 1, [["a"], ["copy"]]),
                          (None, [["a", "copy"]])]:  # undated: the text alone decides
        ix = R.ReprintIndex()
        ix.add("copy", copy, gap)
        ix.add("a", CHAIN_A, 0)
        assert ix.groups() == expected, gap
        assert "a" in ix.candidates(copy, gap) if len(expected) == 1 else \
            "a" not in ix.candidates(copy, gap)


def test_the_same_text_printed_again_weeks_later_is_one_story():
    ix = R.ReprintIndex()
    for day in range(5):
        ix.add(f"day{day}", CHAIN_A, datetime(2024, 3, 1 + 5 * day))
    assert ix.groups() == [[f"day{d}" for d in range(5)]] and ix.centre("day3") == "day0"
    assert ix.date("day1") == datetime(2024, 3, 6).replace(tzinfo=timezone.utc).timestamp()


def test_late_near_copies_do_not_bridge_two_weeks():
    # every five days, in turn, a text and a near copy of it (not the same text): the
    # same texts are one story each, the near copies are too far from them in time
    near = synthetic(range(4))
    ix = R.ReprintIndex()
    for day in range(5):
        ix.add(f"day{day}", near if day % 2 else CHAIN_A, datetime(2024, 3, 1 + 5 * day))
    assert ix.groups() == [["day0", "day2", "day4"], ["day1", "day3"]]


def random_archive(seed: int) -> tuple[dict, dict]:
    """Stories, each with near copies and chained follow-ups, at random dates."""
    rnd = random.Random(seed)
    arts, dates = {}, {}
    for story in range(6):
        base = [rnd.getrandbits(31) for _ in range(R.FULL_K)]
        lead = tuple(rnd.getrandbits(31) for _ in range(R.LEAD_K))
        day = rnd.randrange(30) * DAY
        for n in range(rnd.randrange(2, 7)):
            full = list(base)
            for i in rnd.sample(range(R.FULL_K), rnd.randrange(0, 15)):
                full[i] = rnd.getrandbits(31)
            key = f"s{story}-{n}"
            arts[key] = R.Signature(tuple(full), lead if rnd.random() < 0.7 else
                                    tuple(rnd.getrandbits(31) for _ in range(R.LEAD_K)),
                                    rnd.choice([40, 80, 120, 120]))
            if rnd.random() < 0.85:
                dates[key] = day + rnd.randrange(-3, 5) * DAY + rnd.randrange(3600)
    return arts, dates


@pytest.mark.parametrize("seed", range(8))
def test_incremental_runs_in_any_order_give_the_groups_by_definition(seed):
    arts, dates = random_archive(seed)
    expected = brute_force_groups(arts, dates)
    rnd = random.Random(seed)
    for _ in range(5):
        keys = list(arts)
        rnd.shuffle(keys)
        ix = R.ReprintIndex()
        for i, k in enumerate(keys):
            ix.add(k, arts[k], dates.get(k))
            if i % 4 == 3:  # remove one and add it again, as a changed file does
                gone = rnd.choice(keys[:i + 1])
                ix.remove(gone)
                ix.add(gone, arts[gone], dates.get(gone))
        assert ix.groups() == expected
        again = R.ReprintIndex.loads(ix.dumps())
        assert again.groups() == expected and again.group_ids() == ix.group_ids()
        gone = rnd.choice(keys)
        for x in (ix, again):
            x.remove(gone)
        rest = {k: v for k, v in arts.items() if k != gone}
        assert ix.groups() == again.groups() == brute_force_groups(rest, dates)


def marshal_state(ix: R.ReprintIndex) -> tuple:
    """The index's state as the one-marshal dump (``MAGIC``) held it, tags last."""
    import marshal

    head, values, words, group, dates, comp, centres, tags, *bands = ix.parts()
    fmt, keys, next_group, grouping, next_comp = marshal.loads(head)
    return (fmt, keys, values.tobytes(), words.tobytes(), group.tobytes(), next_group,
            [b.tobytes() for b in bands],
            (grouping, dates.tobytes(), comp.tobytes(), next_comp, centres.tobytes()),
            tags.tobytes())


def test_a_dump_of_the_old_grouping_is_grouped_again():
    import marshal
    ix = R.ReprintIndex()
    ix.update([("a", CHAIN_A, 0), ("b", CHAIN_B, 60), ("c", CHAIN_C, 120)])
    state = marshal_state(ix)
    old = R.MAGIC + marshal.dumps(state[:7])  # as newsgrep wrote it before dates were kept
    again = R.ReprintIndex.loads(old)
    assert again.undated_dump and again.groups() == [["a", "b"], ["c"]]


def test_a_one_marshal_dump_loads_as_the_framed_one_and_broken_frames_are_refused():
    import marshal
    ix = R.ReprintIndex()
    ix.update([("a", CHAIN_A, 0, 1), ("b", CHAIN_B, 60, 2), ("c", CHAIN_C, 120, 1)])
    framed = ix.dumps()
    assert framed.startswith(R.FRAMED_MAGIC)
    state = marshal_state(ix)
    for old, tags in ((R.MAGIC + marshal.dumps(state), [1, 2, 1]),  # with tags
                      (R.MAGIC + marshal.dumps(state[:8]), [0, 0, 0])):  # before tags
        again = R.ReprintIndex.loads(old)
        assert again.groups() == R.ReprintIndex.loads(framed).groups() == ix.groups()
        assert not again.regrouped and [again.tag(k) for k in "abc"] == tags
    for broken in (framed[:-3], framed[:len(R.FRAMED_MAGIC) + 5], framed + b"\0" * 9):
        with pytest.raises(ValueError):
            R.ReprintIndex.loads(broken)


def test_hand_labelled_articles_group_as_labelled(shared):
    """bench/reprints_hand_labels.tsv (RIA and NG pairs read by hand), all added to one
    index with their dates: copies within the window share a group; follow-ups,
    same-event reports and the ends of chains do not; late re-publications (outside
    the window) do when their texts are the same (``SAME_TEXT``), else are new stories."""
    import gzip
    import json
    from pathlib import Path

    labels = Path(__file__).resolve().parent.parent / "bench" / "reprints_hand_labels.tsv"
    rows = [line.split("\t") for line in labels.read_text(encoding="utf-8").splitlines()
            if line and not line.startswith("#")]
    wanted = {i for r in rows for i in r[:2]}
    arts = {}
    for name in ("ria_2023_topics", "ru_kw_eval_rt_ng"):
        with gzip.open(shared / "corpus" / "articles" / f"{name}.jsonl.gz", "rt") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec["id"] in wanted:
                    arts[rec["id"]] = rec
    assert set(arts) == wanted
    ix = R.ReprintIndex()
    for i, rec in sorted(arts.items()):
        ix.add(i, sig(rec["title"] or "", rec["text"] or ""), datetime.fromisoformat(rec["date"]))
    late_same = 0
    for a, b, label, kind, _ in rows:
        same_text = R.full_similarity(ix.signature(a), ix.signature(b)) >= R.SAME_TEXT
        late_same += kind == "hand_late_copy" and same_text
        expected = kind == "hand_copy" or (kind == "hand_late_copy" and same_text)
        assert (ix.group_id(a) == ix.group_id(b)) == expected, (a, b, kind)
    assert late_same >= 2  # (3 of the 5 late re-publications are the same text)


def test_words_drop_legal_footnotes_and_subscription_calls():
    # RT pages whose body was scraped as only such a notice were all "copies" of each other
    for notice in ["* «Исламское государство» (ИГ) — террористическая группировка, запрещённая "
                   "на территории России.",
                   "«Исламское государство» (ИГ) — запрещённая в России террористическая "
                   "организация.",
                   "Подписывайтесь на наш \nTelegram\n, чтобы быть в курсе самых важных новостей. "
                   "Для этого достаточно иметь Telegram на любом устройстве, пройти по \nссылке\n "
                   "и нажать кнопку Join."]:
        assert R.words("Заголовок", LIBRARY + "\n" + notice) == R.words("Заголовок", LIBRARY)
        assert not R.similar(sig("Одна история", notice), sig("Совсем другая история", notice))
    # ... while news that mentions a ban keeps its words
    news = "Суд оштрафовал блогера за пост в Instagram (запрещен в России) на 30 тысяч рублей."
    assert "instagram" in R.words("", news) and "запрещен" in R.words("", news)
