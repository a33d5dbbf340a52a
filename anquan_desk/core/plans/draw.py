"""双随机 draw: pick N places at random and give each a random pair of inspectors — offline and
reproducibly, so that anyone holding the record can repeat the draw and get the same result.

How it works (algorithm ``anquan-draw-v1``)
------------------------------------------
1. Inputs are stable ids (strings): the candidate places, the inspectors, and the 回避
   exclusions ``(inspector, place)``. They are sorted, so the order they were given in does not
   matter. Exclusions naming a place or inspector outside this draw are irrelevant and dropped.
2. ``input_digest`` = SHA-256 of the canonical JSON of ``{algorithm, count, places, inspectors,
   exclusions}`` (sorted keys, no spaces, UTF-8). Publishing seed + digest before the check lets
   anyone confirm afterwards that the same pool was used.
3. Random numbers come from SHA-256 in counter mode over ``"anquan-draw-v1\\n{seed}\\n{digest}"``:
   block *k* = SHA-256(key ‖ k as 8 bytes big-endian), read as four 64-bit big-endian integers;
   an integer below *n* is taken by rejection sampling (no modulo bias). Nothing depends on
   Python's ``random`` module, so the draw can be re-implemented in any language.
4. Places: a partial Fisher–Yates shuffle of the sorted pool; the first ``count`` are drawn, in
   draw order.
5. Inspectors, place by place in draw order: the eligible inspectors are those not excluded for
   the place; fewer than two → :class:`DrawError`. The first inspector is drawn among the
   eligible ones with the fewest assignments so far, the second likewise among the rest, so the
   work is spread evenly while staying random. Each pair is stored sorted.

``verify_draw(record)`` recomputes the digest and repeats steps 3–5.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from anquan_desk.core.errors import UserInputError

__all__ = [
    "ALGORITHM",
    "Assignment",
    "DrawError",
    "DrawRecord",
    "input_digest",
    "random_draw",
    "verify_draw",
]

ALGORITHM = "anquan-draw-v1"


class DrawError(UserInputError):
    """The draw cannot be made with these inputs (message in Chinese)."""


@dataclass(frozen=True)
class Assignment:
    place: str
    inspectors: tuple[str, str]


@dataclass(frozen=True)
class DrawRecord:
    seed: str
    input_digest: str
    count: int
    places: tuple[str, ...]
    inspectors: tuple[str, ...]
    exclusions: tuple[tuple[str, str], ...]
    assignments: tuple[Assignment, ...]
    created_at: str
    algorithm: str = ALGORITHM

    def to_dict(self) -> dict[str, Any]:
        return {
            "algorithm": self.algorithm,
            "seed": self.seed,
            "input_digest": self.input_digest,
            "count": self.count,
            "places": list(self.places),
            "inspectors": list(self.inspectors),
            "exclusions": [list(pair) for pair in self.exclusions],
            "assignments": [{"place": a.place, "inspectors": list(a.inspectors)} for a in self.assignments],
            "created_at": self.created_at,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DrawRecord:
        try:
            assignments = []
            for item in data["assignments"]:
                first, second = (str(x) for x in item["inspectors"])
                assignments.append(Assignment(str(item["place"]), (first, second)))
            exclusions = []
            for pair in data["exclusions"]:
                inspector, place = (str(x) for x in pair)
                exclusions.append((inspector, place))
            return cls(
                seed=str(data["seed"]),
                input_digest=str(data["input_digest"]),
                count=int(data["count"]),
                places=tuple(str(p) for p in data["places"]),
                inspectors=tuple(str(i) for i in data["inspectors"]),
                exclusions=tuple(exclusions),
                assignments=tuple(assignments),
                created_at=str(data["created_at"]),
                algorithm=str(data.get("algorithm", ALGORITHM)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DrawError(f"抽取记录格式不正确（{type(exc).__name__}: {exc}）") from exc

    @classmethod
    def from_json(cls, text: str) -> DrawRecord:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise DrawError(f"抽取记录不是有效的 JSON（第{exc.lineno}行第{exc.colno}列）") from exc
        if not isinstance(data, dict):
            raise DrawError("抽取记录格式不正确（应为 JSON 对象）")
        return cls.from_dict(data)


class _HashStream:
    """Deterministic random integers from SHA-256 in counter mode."""

    def __init__(self, seed: str, digest: str) -> None:
        self._key = f"{ALGORITHM}\n{seed}\n{digest}".encode()
        self._counter = 0
        self._pool: list[int] = []

    def _next64(self) -> int:
        if not self._pool:
            block = hashlib.sha256(self._key + self._counter.to_bytes(8, "big")).digest()
            self._counter += 1
            self._pool = [int.from_bytes(block[i : i + 8], "big") for i in range(24, -1, -8)]
        return self._pool.pop()

    def below(self, n: int) -> int:
        if n <= 0:
            raise ValueError("n must be positive")
        limit = (1 << 64) - (1 << 64) % n
        while True:
            x = self._next64()
            if x < limit:
                return x % n


def _clean_ids(values: Iterable[object], what: str) -> tuple[str, ...]:
    out: list[str] = []
    seen: set[str] = set()
    for value in values:
        ident = str(value)
        if not ident.strip():
            raise DrawError(f"{what}编号不能为空")
        if ident in seen:
            raise DrawError(f"{what}“{ident}”重复出现")
        seen.add(ident)
        out.append(ident)
    return tuple(sorted(out))


def input_digest(
    places: Iterable[str], inspectors: Iterable[str], exclusions: Iterable[tuple[str, str]], count: int
) -> str:
    """SHA-256 (hex) of the canonical inputs; order of the inputs does not matter."""
    canonical = {
        "algorithm": ALGORITHM,
        "count": count,
        "places": sorted(places),
        "inspectors": sorted(inspectors),
        "exclusions": sorted([list(p) for p in exclusions]),
    }
    text = json.dumps(canonical, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _assign(
    seed: str,
    digest: str,
    places: tuple[str, ...],
    inspectors: tuple[str, ...],
    exclusions: frozenset[tuple[str, str]],
    count: int,
) -> tuple[Assignment, ...]:
    rng = _HashStream(seed, digest)
    pool = list(places)
    for i in range(count):
        j = i + rng.below(len(pool) - i)
        pool[i], pool[j] = pool[j], pool[i]
    load = dict.fromkeys(inspectors, 0)
    result: list[Assignment] = []
    for place in pool[:count]:
        eligible = [p for p in inspectors if (p, place) not in exclusions]
        if len(eligible) < 2:
            raise DrawError(
                f"场所“{place}”回避后可派的检查人员只剩 {len(eligible)} 名，无法组成两人检查组；"
                "请增加检查人员或调整回避设置"
            )
        chosen: list[str] = []
        for _ in range(2):
            rest = [p for p in eligible if p not in chosen]
            fewest = min(load[p] for p in rest)
            candidates = [p for p in rest if load[p] == fewest]
            pick = candidates[rng.below(len(candidates))]
            chosen.append(pick)
            load[pick] += 1
        first, second = sorted(chosen)
        result.append(Assignment(place, (first, second)))
    return tuple(result)


def random_draw(
    places: Iterable[str],
    inspectors: Iterable[str],
    count: int,
    *,
    seed: str | int | None = None,
    exclusions: Iterable[tuple[str, str]] = (),
    now: datetime | None = None,
) -> DrawRecord:
    """Draw ``count`` of ``places`` and give each a pair of ``inspectors`` (see module docstring).

    ``exclusions`` are ``(inspector_id, place_id)`` pairs that must never be assigned together.
    Without ``seed`` a fresh 8-digit seed is made (and recorded).
    """
    place_ids = _clean_ids(places, "场所")
    inspector_ids = _clean_ids(inspectors, "检查人员")
    if not place_ids:
        raise DrawError("没有可供抽取的场所")
    if len(inspector_ids) < 2:
        raise DrawError(f"检查人员至少需要 2 名，现只有 {len(inspector_ids)} 名")
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise DrawError("抽取数量必须是正整数")
    if count > len(place_ids):
        raise DrawError(f"抽取数量 {count} 超过了候选场所数 {len(place_ids)}")
    seed_text = f"{secrets.randbelow(10**8):08d}" if seed is None else str(seed)
    if not seed_text.strip():
        raise DrawError("随机种子不能为空")
    place_set, inspector_set = set(place_ids), set(inspector_ids)
    relevant = sorted(
        {(str(i), str(p)) for i, p in exclusions if str(i) in inspector_set and str(p) in place_set}
    )
    digest = input_digest(place_ids, inspector_ids, relevant, count)
    assignments = _assign(seed_text, digest, place_ids, inspector_ids, frozenset(relevant), count)
    created = (now or datetime.now(UTC)).isoformat(timespec="seconds")
    return DrawRecord(
        seed=seed_text,
        input_digest=digest,
        count=count,
        places=place_ids,
        inspectors=inspector_ids,
        exclusions=tuple(relevant),
        assignments=assignments,
        created_at=created,
    )


def verify_draw(record: DrawRecord) -> bool:
    """Repeat the draw from the record's inputs and seed; True when digest and result both match."""
    if record.algorithm != ALGORITHM:
        return False
    digest = input_digest(record.places, record.inspectors, record.exclusions, record.count)
    if digest != record.input_digest:
        return False
    try:
        if list(record.places) != sorted(set(record.places)) or list(record.inspectors) != sorted(
            set(record.inspectors)
        ):
            return False
        if not 1 <= record.count <= len(record.places):
            return False
        again = _assign(
            record.seed, digest, record.places, record.inspectors, frozenset(record.exclusions), record.count
        )
    except DrawError:
        return False
    return again == record.assignments
