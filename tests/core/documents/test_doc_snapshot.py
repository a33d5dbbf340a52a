from __future__ import annotations

import io
import json
from dataclasses import replace
from datetime import date, datetime

import pytest
from PIL import Image

from anquan_desk.core.documents import samples
from anquan_desk.core.documents.snapshot import (
    DocumentSnapshot,
    HazardEntry,
    NoticeContent,
    PhotoImage,
    SnapshotError,
    snapshot_from_dict,
    snapshot_from_json,
    snapshot_to_dict,
    snapshot_to_json,
)


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), "#336699").save(buffer, "PNG")
    return buffer.getvalue()


PNG_SMALL = _png()


def all_samples() -> list[DocumentSnapshot]:
    return [
        samples.sample_record(PNG_SMALL),
        samples.sample_notice(PNG_SMALL),
        samples.sample_order(),
        samples.sample_review(),
        samples.sample_photos(PNG_SMALL, PNG_SMALL),
    ]


@pytest.mark.parametrize("snapshot", all_samples(), ids=lambda s: s.header.doc_type)
def test_round_trip_through_json_is_exact(snapshot: DocumentSnapshot) -> None:
    text = snapshot_to_json(snapshot)
    assert json.loads(text)["schema"] == 1
    back = snapshot_from_json(text)
    assert back == snapshot
    assert type(back) is type(snapshot)
    assert snapshot_to_json(back) == text


def test_plain_json_types_and_readable_dates() -> None:
    data = snapshot_to_dict(samples.sample_notice())
    content = data["content"]
    assert content["header"]["issued_at"] == "2026-03-10T11:20:00"
    assert content["hazards"][0]["deadline"] is None
    assert content["hazards"][1]["deadline"] == "2026-03-20"
    assert isinstance(content["inspectors"], list)
    assert content["inspectors"][0] == {"name": "张堃", "cert_no": "BS-2023-015"}  # a township's 工作证号
    assert (content["header"]["posture"], content["header"]["dated"]) == ("township", "2026-03-10")
    json.dumps(data)  # nothing but JSON types


def test_signature_png_survives_as_base64() -> None:
    record = samples.sample_record(PNG_SMALL)
    assert record.signature is not None
    back = snapshot_from_json(snapshot_to_json(record))
    assert isinstance(back, type(record)) and back.signature is not None
    assert back.signature.png_bytes() == PNG_SMALL


def test_order_requires_appeal_bodies() -> None:
    order = samples.sample_order()
    with pytest.raises(SnapshotError, match="行政复议机关"):
        replace(order, appeal=None)
    data = snapshot_to_dict(order)
    data["content"]["appeal"] = None
    with pytest.raises(SnapshotError, match=r"content\.appeal"):
        snapshot_from_dict(data)


def test_notice_needs_at_least_one_hazard() -> None:
    with pytest.raises(SnapshotError, match="至少要列出一项隐患"):
        replace(samples.sample_notice(), hazards=())


@pytest.mark.parametrize(
    ("mutate", "path", "message"),
    [
        (lambda c: c["hazards"][1].__setitem__("deadline", "2026-02-30"), "content.hazards[1].deadline", "不是有效的日期"),
        (lambda c: c["hazards"][0].__setitem__("grade", "特大"), "content.hazards[0].grade", "取值“特大”无效"),
        (lambda c: c["hazards"][0].__setitem__("seq", "1"), "content.hazards[0].seq", "应为整数"),
        (lambda c: c["place"].pop("name"), "content.place.name", "缺少此字段"),
        (lambda c: c["place"].__setitem__("fax", "1"), "content.place", "未知字段：fax"),
        (lambda c: c.__setitem__("inspectors", "张堃"), "content.inspectors", "应为列表"),
        (lambda c: c["header"].__setitem__("issued_at", 20260310), "content.header.issued_at", "日期时间"),
    ],
)
def test_bad_snapshots_name_the_field(mutate: object, path: str, message: str) -> None:
    data = snapshot_to_dict(samples.sample_notice())
    mutate(data["content"])  # type: ignore[operator]
    with pytest.raises(SnapshotError) as info:
        snapshot_from_dict(data)
    assert info.value.path == path
    assert message in str(info.value)
    assert path in str(info.value)


def test_unknown_doc_type_and_schema_are_refused() -> None:
    data = snapshot_to_dict(samples.sample_review())
    data["content"]["header"]["doc_type"] = "memo"
    with pytest.raises(SnapshotError, match="未知的文书类型“memo”"):
        snapshot_from_dict(data)
    with pytest.raises(SnapshotError, match="不支持的快照版本"):
        snapshot_from_dict({"schema": 99, "content": {}})
    with pytest.raises(SnapshotError, match="不是有效的 JSON"):
        snapshot_from_json("{")


def test_photo_needs_exactly_one_source() -> None:
    with pytest.raises(SnapshotError, match="只能给出图片数据或文件路径之一"):
        PhotoImage()
    with pytest.raises(SnapshotError):
        PhotoImage(data_base64="AA==", path="/tmp/x.jpg")


def test_notice_sample_is_realistic() -> None:
    notice = samples.sample_notice()
    assert isinstance(notice, NoticeContent)
    assert len(notice.hazards) == 3
    assert any("燃气" in h.description or "液化石油气" in h.description for h in notice.hazards)
    assert [h.deadline for h in notice.hazards] == [None, date(2026, 3, 20), date(2026, 3, 15)]
    assert all(i.cert_no for i in notice.inspectors)
    assert notice.header.issued_at == datetime(2026, 3, 10, 11, 20)
    assert isinstance(notice.hazards[0], HazardEntry)


def test_content_class_and_doc_type_must_agree() -> None:
    review = samples.sample_review()
    with pytest.raises(SnapshotError, match="应为“review”"):
        replace(review, header=replace(review.header, doc_type="notice"))
    record = samples.sample_record()
    with pytest.raises(SnapshotError, match="结束时间早于开始时间"):
        replace(record, ended_at=datetime(2026, 3, 10, 8, 0))
