"""Screenshots (1366×768) of the first-run wizard's pages and the administrator's screens.

Run under a virtual screen of that size, from the repository root::

    xvfb-run -a -s "-screen 0 1366x768x24" .venv/bin/python docs/screenshots/make_setup_screenshots.py

Each screen is shown in the middle of the screen and the whole screen is saved with ImageMagick's
``import -window root`` into ``docs/screenshots/``. The data is made up: a township set up through
the services as the wizard would, in a temporary folder.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import township_setup  # noqa: E402

from anquan_desk.core.db import open_database  # noqa: E402
from anquan_desk.core.models import Place  # noqa: E402
from anquan_desk.services import ground, users  # noqa: E402
from anquan_desk.services.desk import Actor, Desk  # noqa: E402
from anquan_desk.ui.admin.ground_dialog import GroundDialog  # noqa: E402
from anquan_desk.ui.admin.township_dialog import TownshipDialog  # noqa: E402
from anquan_desk.ui.admin.users_dialog import UserEditDialog, UsersDialog  # noqa: E402
from anquan_desk.ui.app import make_application  # noqa: E402
from anquan_desk.ui.operations import OperationRunner  # noqa: E402
from anquan_desk.ui.setup_wizard import SetupWizard  # noqa: E402

OUT = ROOT / "docs" / "screenshots"


def settle(app: QApplication, ms: int = 400) -> None:
    done: list[bool] = []
    QTimer.singleShot(ms, lambda: done.append(True))
    while not done:
        app.processEvents()


def shoot(app: QApplication, widget: QWidget, name: str) -> None:
    screen = app.primaryScreen().geometry()
    widget.show()
    widget.move(max(0, (screen.width() - widget.width()) // 2), max(0, (screen.height() - widget.height()) // 2))
    widget.raise_()
    widget.activateWindow()
    settle(app)
    target = OUT / f"{name}-1366x768.png"
    subprocess.run(["import", "-window", "root", str(target)], check=True)
    print(target.relative_to(ROOT))


def main() -> None:
    app = make_application(["screenshots"])
    OperationRunner.synchronous = True
    folder = Path(tempfile.mkdtemp(prefix="anquan-shots-"))

    # --- the wizard, page by page, on an empty database ------------------------------------------
    empty = open_database(folder / "new" / "anquan.db")
    wizard = SetupWizard(Desk(empty, Actor.system("start")))
    shoot(app, wizard, "setup-1-welcome")
    wizard.next()
    form = wizard.township_page.form
    form.name_edit.setText("白沙镇")
    form.county_edit.setText("青溪县")
    shoot(app, wizard, "setup-2-township")
    wizard.next()
    wizard.enforcement_page.form.entrust_radio.setChecked(True)
    wizard.enforcement_page.form.document_edit.setText("青应急〔2024〕12号")
    shoot(app, wizard, "setup-3-enforcement")
    wizard.enforcement_page.form.none_radio.setChecked(True)
    wizard.next()
    shoot(app, wizard, "setup-4-numbers")
    wizard.next()
    grid_file = township_setup.grid_list(folder / "白沙镇网格划分表.xlsx", [
        (1, "红光村民委员会", "红光一网格", None), (2, None, "红光二网格", None), (3, None, "红光三网格", None),
        (4, "城东社区居民委员会", "城东网格", "社区"), (5, "白沙村", 1, None), (6, None, 2, None),
        (7, "", "无主网格", None),
    ])
    wizard.ground_page.editor.import_file(grid_file)  # one bad row: the problems are listed
    shoot(app, wizard, "setup-5-grids-problems")
    good = township_setup.grid_list(folder / "白沙镇网格划分表（改）.xlsx", [
        (1, "红光村民委员会", "红光一网格", None), (2, None, "红光二网格", None), (3, None, "红光三网格", None),
        (4, "城东社区居民委员会", "城东网格", "社区"), (5, "白沙村", 1, None), (6, None, 2, None),
    ])
    wizard.ground_page.editor.import_file(good)
    wizard.ground_page.editor.problems.hide()
    shoot(app, wizard, "setup-5-grids")
    wizard.next()
    page = wizard.users_page
    page.admin_name.setText("周建国")
    page.admin_cert.setText("32010019001")
    page.admin_password.setText("secret12")
    page.admin_repeat.setText("secret12")
    for spec in township_setup.request().users:
        page.add_user(spec)
    shoot(app, wizard, "setup-6-users")
    wizard.next()
    shoot(app, wizard, "setup-7-summary")
    wizard.close()
    empty.dispose()

    # --- the administrator's screens on a set-up township -------------------------------------------
    db = township_setup.database(folder)
    admin = Desk(db, Actor.system("admin"))
    admin = Desk(db, users.log_in(admin, "admin", township_setup.PASSWORD))
    grids = {g.name: g.id for v in ground.list_ground(admin) for g in v.grids}
    with db.session("admin") as session:  # a few places, so the grids have counts
        for name, grid in (("老周家常菜馆", "红光一网格"), ("红光超市", "红光一网格"), ("白沙五金店", "红光二网格"),
                           ("城东幼儿园", "城东网格")):
            session.add(Place(name=name, grid_id=grids[grid]))
    ground.add_member(admin, grids["红光一网格"], name="钱进", role="网格长", phone="13912345678")
    ground.add_member(admin, grids["红光一网格"], name="李华", role="网格员", phone="13812345678",
                      user_id=users.find_user(admin, "li").id)
    ground.add_member(admin, grids["红光一网格"], name="孙悦", role="安全员")
    ground.merge_grids(admin, ground.add_grid(admin, ground.list_ground(admin)[0].id, "红光旧网格"), grids["红光一网格"])
    profile_dialog = TownshipDialog(admin)
    shoot(app, profile_dialog, "admin-township")
    profile_dialog.tabs.setCurrentIndex(1)
    shoot(app, profile_dialog, "admin-township-enforcement")
    profile_dialog.tabs.setCurrentIndex(2)
    shoot(app, profile_dialog, "admin-township-numbers")
    profile_dialog.close()
    ground_dialog = GroundDialog(admin)
    ground_dialog.select("grid", grids["红光一网格"])
    shoot(app, ground_dialog, "admin-grids")
    ground_dialog.close()
    users.deactivate_user(admin, users.find_user(admin, "zhao").id)
    users_dialog = UsersDialog(admin)
    users_dialog.select("li")
    shoot(app, users_dialog, "admin-users")
    editor = UserEditDialog(admin, users_dialog.selected(), users_dialog)
    shoot(app, editor, "admin-user-edit")
    editor.close()
    users_dialog.close()
    db.dispose()


if __name__ == "__main__":
    main()
