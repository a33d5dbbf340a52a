"""Screenshots (1366×768) of the place list and of the inspection screen with a hazard open (and graded 重大).

Run from the repository root (no display needed)::

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/screenshots/make_ux_screenshots.py

The main window is sized 1366×768 and drawn with ``QWidget.grab()`` into ``docs/screenshots/``
(the Chinese font is the one the program chooses, :func:`anquan_desk.ui.app.make_application`).
The data is the small demo township, in a temporary folder, with the window state, the laptop's
identity and the user's settings there too.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

FOLDER = Path(tempfile.mkdtemp(prefix="anquan-ux-shots-"))
os.environ["ANQUAN_DEVICE_FILE"] = str(FOLDER / "device.json")

from PIL import Image  # noqa: E402
from PySide6.QtCore import QSettings, QTimer  # noqa: E402
from PySide6.QtWidgets import QApplication, QWidget  # noqa: E402
from sqlalchemy import select  # noqa: E402

from anquan_desk.core.checklists.store import templates_for_place  # noqa: E402
from anquan_desk.core.db import open_database  # noqa: E402
from anquan_desk.core.models import Place, User  # noqa: E402
from anquan_desk.services import inspections as svc  # noqa: E402
from anquan_desk.services.demo import create_demo  # noqa: E402
from anquan_desk.services.desk import Actor, Desk  # noqa: E402
from anquan_desk.ui.app import make_application  # noqa: E402
from anquan_desk.ui.inspection.screen import KIND_ROLE, InspectionWidget  # noqa: E402
from anquan_desk.ui.main_window import MainWindow  # noqa: E402
from anquan_desk.ui.operations import OperationRunner  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "docs" / "screenshots"
SIZE = (1366, 768)


def settle(app: QApplication, ms: int = 300) -> None:
    done: list[bool] = []
    QTimer.singleShot(ms, lambda: done.append(True))
    while not done:
        app.processEvents()


def shoot(app: QApplication, widget: QWidget, name: str) -> None:
    settle(app)
    target = OUT / f"{name}-1366x768.png"
    widget.grab().save(str(target), "PNG")
    print(target.relative_to(ROOT))


def _draft_with_hazard(desk: Desk, place_id: str, inspectors: list[str]) -> str:
    """A draft check at the place: the first items 合格, the third 不合格 (its hazard pre-filled)."""
    with desk.unit() as session:
        place = session.get(Place, place_id)
        assert place is not None
        inspection = svc.start_inspection(session, place_id=place.id, inspector_ids=inspectors,
                                          template_ids=[t.id for t in templates_for_place(session, place)])
        inspection_id = inspection.id
    view = svc.inspection_view(desk, inspection_id)
    for n, item in enumerate(view.items[:3]):
        saved = svc.save_answer(desk, inspection_id, item.item_id, "不合格" if n == 2 else "合格")
        if saved.hazard is not None:
            svc.edit_hazard(desk, saved.hazard.id, {"location": "后厨灶台旁", "rectifier": "刘珺"})
            photos = []
            for colour, name in (((180, 60, 50), "gas-1.jpg"), ((70, 110, 160), "gas-2.jpg")):
                path = FOLDER / name
                Image.new("RGB", (800, 600), colour).save(path, "JPEG")
                photos.append(path)
            prepared = svc.prepare_photos(photos)
            svc.attach_inspection_photos(desk, inspection_id, prepared, saved.hazard.id)
    return inspection_id


def main() -> None:
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(FOLDER / "qsettings"))
    app = make_application(["screenshots"])
    OperationRunner.synchronous = True
    db = open_database(FOLDER / "anquan.db")
    with db.session("demo") as session:
        create_demo(session, scale="small")
    with db.reader() as session:
        users = list(session.scalars(select(User).where(User.cert_no != "").order_by(User.username)))[:2]
        place_id = session.scalars(
            select(Place.id).where(Place.nine_small_kind == "小餐饮场所").order_by(Place.name)
        ).first()
    assert place_id is not None and len(users) == 2
    user = users[0]
    desk = Desk(db, Actor(username=user.username, name=user.name, role=user.role, user_id=user.id))

    window = MainWindow(desk, demo=True)
    window.resize(*SIZE)
    window.show()
    shoot(app, window, "place-list")

    inspection_id = _draft_with_hazard(desk, place_id, [u.id for u in users])
    screen = window.open_inspection(inspection_id)
    assert isinstance(screen, InspectionWidget)
    settle(app)
    failed = next(n for n in screen._items() if n.data(0, KIND_ROLE) == "item" and n.text(1) == "不合格")
    screen.tree.setCurrentItem(failed)
    screen.form.location.setFocus()
    shoot(app, window, "inspection-hazard")
    # The same hazard graded 重大: its 挂牌督办 row and 五落实 are in view without scrolling.
    screen.form.grade.setCurrentText("重大")
    screen.form.fl_responsibility.setText("刘珺")
    screen.form.fl_funds.setText("店方自筹2万元")
    screen.form.location.setFocus()
    shoot(app, window, "inspection-major-hazard")
    window.close()


if __name__ == "__main__":
    main()
