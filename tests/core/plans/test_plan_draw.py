"""双随机 draw: reproducible, order-independent, respects 回避, verifiable."""

from __future__ import annotations

import hashlib
import json
import random
from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from anquan_desk.core.errors import UserInputError
from anquan_desk.core.plans.draw import (
    ALGORITHM,
    Assignment,
    DrawError,
    DrawRecord,
    input_digest,
    random_draw,
    verify_draw,
)

PLACES = [f"P{n:03d}" for n in range(1, 31)]
INSPECTORS = ["张伟", "王芳", "李娜", "刘洋", "陈杰", "杨静"]
NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)


def test_same_seed_and_inputs_give_the_same_draw() -> None:
    first = random_draw(PLACES, INSPECTORS, 8, seed="20260302", now=NOW)
    second = random_draw(PLACES, INSPECTORS, 8, seed="20260302", now=NOW)
    assert first == second
    assert len(first.assignments) == 8
    assert len({a.place for a in first.assignments}) == 8
    assert all(a.place in PLACES for a in first.assignments)
    assert verify_draw(first)


def test_input_order_does_not_matter() -> None:
    exclusions = [("张伟", "P001"), ("王芳", "P002"), ("李娜", "P003")]
    base = random_draw(PLACES, INSPECTORS, 10, seed=7, exclusions=exclusions, now=NOW)
    shuffler = random.Random(1)
    for _ in range(5):
        places, inspectors, excl = list(PLACES), list(INSPECTORS), list(exclusions)
        shuffler.shuffle(places)
        shuffler.shuffle(inspectors)
        shuffler.shuffle(excl)
        again = random_draw(places, inspectors, 10, seed=7, exclusions=excl, now=NOW)
        assert again == base


def test_different_seeds_give_different_draws() -> None:
    results = {
        tuple(random_draw(PLACES, INSPECTORS, 5, seed=seed, now=NOW).assignments) for seed in range(50)
    }
    # 30 choose 5 ordered with pairs: collisions are practically impossible.
    assert len(results) == 50
    a = random_draw(PLACES, INSPECTORS, 5, seed="a", now=NOW)
    b = random_draw(PLACES, INSPECTORS, 5, seed="b", now=NOW)
    assert a.input_digest == b.input_digest  # same inputs …
    assert a.assignments != b.assignments  # … different outcome


def test_exclusions_are_never_violated_and_pairs_are_distinct() -> None:
    exclusions = {("张伟", "P001"), ("王芳", "P001"), ("张伟", "P002"), ("杨静", "P030")}
    for seed in range(300):
        record = random_draw(PLACES, INSPECTORS, 30, seed=seed, exclusions=exclusions, now=NOW)
        for a in record.assignments:
            first, second = a.inspectors
            assert first != second
            assert first in INSPECTORS and second in INSPECTORS
            assert (first, a.place) not in exclusions and (second, a.place) not in exclusions


def test_no_valid_pair_is_a_clear_error() -> None:
    exclusions = [(name, "P005") for name in INSPECTORS[1:]]  # only 张伟 may check P005
    with pytest.raises(DrawError, match="P005") as info:
        random_draw(PLACES, INSPECTORS, 30, seed=1, exclusions=exclusions, now=NOW)
    assert "只剩 1 名" in str(info.value)
    assert isinstance(info.value, UserInputError)


def test_work_is_spread_evenly() -> None:
    # 3 places × 2 = 6 slots over 6 inspectors: each inspector exactly once.
    record = random_draw(PLACES, INSPECTORS, 3, seed="x", now=NOW)
    used = Counter(name for a in record.assignments for name in a.inspectors)
    assert sorted(used.values()) == [1] * 6
    record = random_draw(PLACES, INSPECTORS, 30, seed="y", now=NOW)
    used = Counter(name for a in record.assignments for name in a.inspectors)
    assert set(used.values()) == {10}


def test_every_place_has_the_same_chance() -> None:
    places = ["A", "B", "C", "D", "E", "F"]
    counts = Counter(
        a.place for seed in range(2000) for a in random_draw(places, ["甲", "乙"], 3, seed=seed, now=NOW).assignments
    )
    # Expected 1000 each (binomial sd ≈ 22); the bounds are about 7 sd wide.
    assert set(counts) == set(places)
    assert all(850 < n < 1150 for n in counts.values()), counts


def test_algorithm_matches_its_written_description() -> None:
    """Recompute the first place by hand from the documented hash scheme."""
    record = random_draw(PLACES, INSPECTORS, 1, seed="公开种子", now=NOW)
    canonical = json.dumps(
        {"algorithm": ALGORITHM, "count": 1, "places": sorted(PLACES), "inspectors": sorted(INSPECTORS),
         "exclusions": []},
        ensure_ascii=False, sort_keys=True, separators=(",", ":"),
    )
    digest = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    assert record.input_digest == digest == input_digest(PLACES, INSPECTORS, [], 1)
    key = f"{ALGORITHM}\n公开种子\n{digest}".encode()
    block = hashlib.sha256(key + (0).to_bytes(8, "big")).digest()
    x = int.from_bytes(block[:8], "big")
    n = len(PLACES)
    assert x < (1 << 64) - (1 << 64) % n  # no rejection for this seed
    assert record.assignments[0].place == sorted(PLACES)[x % n]


def test_json_round_trip_and_verification() -> None:
    record = random_draw(PLACES, INSPECTORS, 6, seed="2026-Q1", exclusions=[("刘洋", "P010")], now=NOW)
    text = record.to_json()
    data = json.loads(text)
    assert data["seed"] == "2026-Q1"
    assert data["created_at"] == "2026-03-02T08:30:00+00:00"
    assert data["exclusions"] == [["刘洋", "P010"]]
    again = DrawRecord.from_json(text)
    assert again == record
    assert verify_draw(again)


def test_tampering_is_detected() -> None:
    record = random_draw(PLACES, INSPECTORS, 6, seed="s", now=NOW)
    first = record.assignments[0]
    swapped = Assignment(first.place, ("张伟", "王芳") if first.inspectors != ("张伟", "王芳") else ("李娜", "刘洋"))
    assert not verify_draw(replace(record, assignments=(swapped, *record.assignments[1:])))
    assert not verify_draw(replace(record, places=record.places[:-1]))  # pool changed, digest no longer fits
    assert not verify_draw(replace(record, seed="t"))
    assert not verify_draw(replace(record, exclusions=(("张伟", "P001"),)))
    assert not verify_draw(replace(record, algorithm="other"))


def test_seed_is_generated_and_recorded_when_not_given() -> None:
    record = random_draw(PLACES, INSPECTORS, 4)
    assert len(record.seed) == 8 and record.seed.isdigit()
    assert verify_draw(record)
    assert datetime.fromisoformat(record.created_at).tzinfo is not None


def test_irrelevant_exclusions_are_dropped() -> None:
    record = random_draw(PLACES, INSPECTORS, 2, seed=1, exclusions=[("外人", "P001"), ("张伟", "不存在")], now=NOW)
    assert record.exclusions == ()
    assert record == random_draw(PLACES, INSPECTORS, 2, seed=1, now=NOW)


@pytest.mark.parametrize(
    ("places", "inspectors", "count", "message"),
    [
        ([], INSPECTORS, 1, "没有可供抽取的场所"),
        (PLACES, ["张伟"], 1, "至少需要 2 名"),
        (PLACES, INSPECTORS, 0, "正整数"),
        (PLACES, INSPECTORS, 31, "超过了候选场所数 30"),
        (["P1", "P1"], INSPECTORS, 1, "“P1”重复出现"),
        (["P1", " "], INSPECTORS, 1, "编号不能为空"),
    ],
)
def test_bad_inputs(places: list[str], inspectors: list[str], count: int, message: str) -> None:
    with pytest.raises(DrawError, match=message):
        random_draw(places, inspectors, count, seed=1, now=NOW)


def test_bad_record_json() -> None:
    with pytest.raises(DrawError, match="不是有效的 JSON"):
        DrawRecord.from_json("{")
    with pytest.raises(DrawError, match="格式不正确"):
        DrawRecord.from_json('{"seed": "1"}')
    with pytest.raises(DrawError, match="格式不正确"):
        DrawRecord.from_json("[]")
