"""The main window: grid tree on the left, the places of the selected grid on the right.

Other screens are tabs (工作台, 跟踪复查, open inspections) and dialogs behind the menus. Each
screen refreshes itself from the change announcements of the operation layer
(:data:`anquan_desk.ui.operations.change_hub`); the window wires none of that by hand. Its own
grid tree refreshes when villages, grids or places change.

After login the window opens on the place list, where the day's checks start (search, Ctrl+N).
It opens no inspection by itself: the unfinished checks are listed under 跟踪复查 › 未完成的检查,
and the status bar says how many of them are the user's own and how many hazards are overdue,
each a click away from its list.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from pathlib import Path

from PySide6.QtCore import QItemSelection, QModelIndex, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QCursor, QKeySequence, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QTabWidget,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from anquan_desk import __version__
from anquan_desk.core.changes import Changes
from anquan_desk.core.vocabulary import PlaceStatus, RiskColor, Sector
from anquan_desk.services import backup, ground, inspections, places, roles
from anquan_desk.services.backup import BackupResult
from anquan_desk.services.desk import Desk
from anquan_desk.services.ground import GroundTree
from anquan_desk.services.inspections import StartNotice
from anquan_desk.services.places import NINE_SMALL_KIND_NAMES
from anquan_desk.services.server import ServerAddress, saved_server
from anquan_desk.services.statistics import quarter_bounds, quarter_of
from anquan_desk.ui import state
from anquan_desk.ui.admin.menu import add_admin_menu
from anquan_desk.ui.dashboard import DashboardWidget
from anquan_desk.ui.ground_tree import NODE_ID_ROLE, NODE_KIND_ROLE, build_ground_model
from anquan_desk.ui.inspection.followup import FollowUpWidget
from anquan_desk.ui.inspection.screen import InspectionWidget
from anquan_desk.ui.inspection.start_dialog import StartInspectionDialog
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub
from anquan_desk.ui.place_model import PlaceTableModel
from anquan_desk.ui.plan_menu import add_plan_menu
from anquan_desk.ui.server_dialog import ServerDialog


class MainWindow(QMainWindow):
    """Shows the township's ground and places; other screens are tabs."""

    #: Changes to these tables change the grid tree (names, counts).
    GROUND_TABLES = ("villages", "grids", "places", "townships")
    #: Changes to these tables change the status bar's notice (drafts, overdue hazards).
    NOTICE_TABLES = ("inspections", "inspection_participants", "hazards", "reinspection_results")

    def __init__(self, desk: Desk, *, demo: bool = False) -> None:
        super().__init__()
        self.desk = desk
        self.user = desk.actor
        self.setWindowTitle("安全检查工作台（演示数据库）" if demo else "安全检查工作台")
        self.resize(1366, 768)

        self.ground_model = QStandardItemModel(self)
        self.ground_view = QTreeView()
        self.ground_view.setModel(self.ground_model)
        self.ground_view.setUniformRowHeights(True)
        self.ground_view.setMinimumWidth(230)

        self.place_model = PlaceTableModel(desk, self)
        self.search_edit = QLineEdit()
        self.search_edit.setPlaceholderText("搜索场所：名称、地址、负责人、信用代码或拼音首字母（如 hgl）")
        self.search_edit.setClearButtonEnabled(True)
        self.sector_combo = self._combo("全部行业", [s.value for s in Sector])
        self.kind_combo = self._combo("全部九小类别", list(NINE_SMALL_KIND_NAMES))
        self.risk_combo = self._combo("全部风险", [r.value for r in RiskColor])
        self.status_combo = self._combo("全部状态", [s.value for s in PlaceStatus])
        self.overdue_check = QCheckBox("有逾期隐患")
        self.uninspected_check = QCheckBox("本季度未检查")

        self.place_view = QTableView()
        self.place_view.setModel(self.place_model)
        self.place_view.setSortingEnabled(True)
        self.place_view.sortByColumn(PlaceTableModel.COL_NAME, Qt.SortOrder.AscendingOrder)
        self.place_view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.place_view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.place_view.setAlternatingRowColors(True)
        self.place_view.setWordWrap(False)  # one line per place, long text elided (the address has a tooltip)
        self.place_view.verticalHeader().setVisible(False)
        self.place_view.verticalHeader().setDefaultSectionSize(26)
        header = self.place_view.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for column, width in enumerate(PlaceTableModel.DEFAULT_WIDTHS):
            self.place_view.setColumnWidth(column, width)
        header.setStretchLastSection(True)  # the user's widths replace these (ui.state.PLACE_COLUMNS)

        filters = QHBoxLayout()
        filters.addWidget(self.search_edit, 3)
        for widget in (self.sector_combo, self.kind_combo, self.risk_combo, self.status_combo):
            filters.addWidget(widget)
        filters2 = QHBoxLayout()
        filters2.addWidget(self.overdue_check)
        filters2.addWidget(self.uninspected_check)
        filters2.addStretch(1)
        self.count_label = QLabel()
        filters2.addWidget(self.count_label)

        places_page = QWidget()
        right = QVBoxLayout(places_page)
        right.setContentsMargins(4, 4, 4, 4)
        right.addLayout(filters)
        right.addLayout(filters2)
        right.addWidget(self.place_view)

        self.start_button = QPushButton("开始检查（Ctrl+N）")
        self.start_button.clicked.connect(self.start_inspection_for_selected)
        filters2.insertWidget(0, self.start_button)

        self.tabs = QTabWidget()
        self.tabs.setTabsClosable(True)
        self.tabs.tabCloseRequested.connect(self._close_tab)
        self.places_page = places_page
        self.tabs.addTab(places_page, "场所")
        self.dashboard = DashboardWidget(desk)
        self.tabs.addTab(self.dashboard, "工作台")
        self.followup = FollowUpWidget(desk)
        self.tabs.addTab(self.followup, "跟踪复查")
        self._fixed_tabs = (places_page, self.dashboard, self.followup)
        self.tabs.currentChanged.connect(self._tab_changed)
        for fixed in range(len(self._fixed_tabs)):
            self.tabs.tabBar().setTabButton(fixed, QTabBar.ButtonPosition.RightSide, None)
        self.dashboard.show_hazards.connect(self.show_hazard_list)
        self.dashboard.show_grid.connect(self.show_uninspected_in_grid)
        self.dashboard.show_drafts.connect(lambda: self.show_drafts(mine_only=False))
        self.followup.open_inspection.connect(self.open_inspection)

        self.splitter = splitter = QSplitter()
        splitter.addWidget(self.ground_view)
        splitter.addWidget(self.tabs)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([250, 1100])
        self.setCentralWidget(splitter)

        self._build_menus()
        self.db_label = QLabel(desk.location)
        self.user_label = QLabel(f"当前用户：{self.user.display_name}（{self.user.role}）")
        self.statusBar().addPermanentWidget(self.user_label)
        self.statusBar().addPermanentWidget(self.db_label)
        # The start-up notice: the user's unfinished checks and the overdue hazards, each a link to its list.
        self.drafts_notice = self._notice_button(lambda: self.show_drafts(mine_only=True))
        self.overdue_notice = self._notice_button(lambda: self.show_hazard_list("overdue"))
        self._notice_timer = QTimer(self)
        self._notice_timer.setSingleShot(True)
        self._notice_timer.setInterval(500)  # a burst of saved answers makes one query
        self._notice_timer.timeout.connect(self.refresh_notice)

        # Typing filters immediately; a zero-delay timer folds a burst of keystrokes into one query.
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(0)
        self._search_timer.timeout.connect(self._apply_filters)
        self.search_edit.textChanged.connect(self._search_timer.start)
        for combo in (self.sector_combo, self.kind_combo, self.risk_combo, self.status_combo):
            combo.currentIndexChanged.connect(self._apply_filters)
        self.overdue_check.toggled.connect(self._apply_filters)
        self.uninspected_check.toggled.connect(self._apply_filters)
        self.place_view.doubleClicked.connect(self._place_double_clicked)

        self.refresh_ground()
        self.ground_view.selectionModel().selectionChanged.connect(self._ground_selected)
        self._update_count()
        self.search_edit.setFocus()
        change_hub.subscribe(self, self._changed)
        self._restore_state()
        self.tabs.setCurrentWidget(self.places_page)
        self.refresh_notice()
        # Load the search copy once the window is up, so the first keystroke does not wait for it
        # (not once the window is closed: its database may be gone by then).
        self._search_copy_timer = QTimer(self, singleShot=True, interval=300)
        self._search_copy_timer.timeout.connect(lambda: QueryOp(self, lambda _p: places.prepare_search(desk)).run())
        self._search_copy_timer.start()

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches(*self.GROUND_TABLES):
            self.refresh_ground()
        if changes.touches("places", "hazards", "inspections"):
            self._update_count()
        if changes.touches(*self.NOTICE_TABLES):
            self._notice_timer.start()

    # --- window state (per user, QSettings) ---------------------------------------------------

    def _restore_state(self) -> None:
        state.restore_geometry(self, state.MAIN_WINDOW_GEOMETRY)
        state.restore_splitter(self.splitter, state.MAIN_SPLITTER)
        state.restore_header(self.place_view.horizontalHeader(), state.PLACE_COLUMNS)

    def closeEvent(self, event: QCloseEvent) -> None:
        # Nothing queued runs once the window is closed: its database may be gone by then.
        for timer in (self._search_copy_timer, self._notice_timer, self._search_timer):
            timer.stop()
        change_hub.unsubscribe(self)
        state.remember_geometry(self, state.MAIN_WINDOW_GEOMETRY)
        state.remember_splitter(self.splitter, state.MAIN_SPLITTER)
        state.remember_header(self.place_view.horizontalHeader(), state.PLACE_COLUMNS)
        super().closeEvent(event)

    def _combo(self, all_label: str, values: list[str]) -> QComboBox:
        combo = QComboBox()
        combo.addItem(all_label, None)
        for value in values:
            combo.addItem(value, value)
        return combo

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("文件(&F)")
        backup_action = QAction("备份数据库…", self)
        backup_action.triggered.connect(self.backup_database)
        file_menu.addAction(backup_action)
        self.import_action = QAction("导入场所清单（Excel）…", self)
        self.import_action.triggered.connect(self.import_places_wizard)
        file_menu.addAction(self.import_action)
        self.number_slot_action = QAction("本机文书编号段…", self)
        self.number_slot_action.setEnabled(roles.allows(self.user.role, "numbers.assign_slot"))
        self.number_slot_action.triggered.connect(self.number_slot_dialog)
        file_menu.addAction(self.number_slot_action)
        self.laptop_name_action = QAction("本机名称…", self)
        self.laptop_name_action.triggered.connect(self.laptop_name_dialog)
        file_menu.addAction(self.laptop_name_action)
        self.server_action = QAction("连接服务器…", self)
        self.server_action.triggered.connect(self.server_dialog)
        file_menu.addAction(self.server_action)
        file_menu.addSeparator()
        quit_action = QAction("退出", self)
        quit_action.setShortcut(QKeySequence.StandardKey.Quit)
        quit_action.triggered.connect(self.close)
        file_menu.addAction(quit_action)
        inspect_menu = self.menuBar().addMenu("检查(&I)")
        self.start_action = QAction("开始检查所选场所…", self)
        self.start_action.setShortcut(QKeySequence("Ctrl+N"))
        self.start_action.triggered.connect(self.start_inspection_for_selected)
        inspect_menu.addAction(self.start_action)
        resume = QAction("未完成的检查", self)
        resume.triggered.connect(lambda: self.show_drafts(mine_only=False))
        inspect_menu.addAction(resume)
        follow = QAction("跟踪复查", self)
        follow.triggered.connect(lambda: self.tabs.setCurrentWidget(self.followup))
        inspect_menu.addAction(follow)
        add_plan_menu(self, self.desk)
        # Dialogs behind menus load when first opened (the PDF and editor modules cost start-up time).
        batch_documents = QAction("按日批量打印文书…", self)
        batch_documents.triggered.connect(self.batch_print_dialog)
        inspect_menu.addAction(batch_documents)
        self.verify_pdf_action = QAction("核验PDF文件…", self)
        self.verify_pdf_action.triggered.connect(self.verify_pdf_file)
        inspect_menu.addAction(self.verify_pdf_action)
        checklist_menu = self.menuBar().addMenu("检查表(&C)")
        self.checklist_action = QAction("检查表库…", self)
        self.checklist_action.triggered.connect(self.checklist_editor)
        checklist_menu.addAction(self.checklist_action)
        ledger_menu = self.menuBar().addMenu("台账(&L)")
        self.ledger_action = QAction("导出台账…", self)
        self.ledger_action.triggered.connect(self.export_ledger_dialog)
        ledger_menu.addAction(self.ledger_action)
        self.admin_menu = add_admin_menu(self, self.desk)
        help_menu = self.menuBar().addMenu("帮助(&H)")
        self.guide_action = QAction("使用指南", self)
        self.guide_action.setShortcut(QKeySequence.StandardKey.HelpContents)
        self.guide_action.triggered.connect(self.show_guide)
        help_menu.addAction(self.guide_action)
        self.shortcuts_action = QAction("快捷键", self)
        self.shortcuts_action.triggered.connect(self.show_shortcuts)
        help_menu.addAction(self.shortcuts_action)
        help_menu.addSeparator()
        about = QAction("关于", self)
        about.triggered.connect(self._about)
        help_menu.addAction(about)
        self.find_action = find = QAction("查找场所", self)
        find.setShortcut(QKeySequence.StandardKey.Find)
        find.triggered.connect(self.find_place)
        self.addAction(find)

    def find_place(self) -> None:
        """Ctrl+F: the search box of the place list (from any tab)."""
        self.tabs.setCurrentWidget(self.places_page)
        self.search_edit.setFocus()
        self.search_edit.selectAll()

    def show_guide(self) -> QWidget:
        """帮助 › 使用指南 (F1): the user guide, shipped with the program (offline)."""
        from anquan_desk.ui.help import show_guide

        return show_guide(self)

    def show_shortcuts(self) -> QWidget:
        """帮助 › 快捷键: listed from this window's actions and the inspection screen's keys."""
        from anquan_desk.ui.help import show_shortcuts

        return show_shortcuts(self)

    def batch_print_dialog(self) -> None:
        from anquan_desk.ui.documents import BatchPrintDialog

        BatchPrintDialog(self.desk, self).exec()

    def verify_pdf_file(self) -> None:
        from anquan_desk.ui.documents import verify_pdf_dialog

        verify_pdf_dialog(self.desk, self)

    def number_slot_dialog(self) -> None:
        from anquan_desk.ui.number_slot import NumberSlotDialog

        NumberSlotDialog(self.desk, self).exec()

    def laptop_name_dialog(self) -> None:
        """文件 › 本机名称: the name hazard numbers made here show (see anquan_desk.services.laptops)."""
        from anquan_desk.ui.laptop_name import ask_laptop_name

        ask_laptop_name(self.desk, self)

    def server_dialog(self) -> ServerDialog:
        """文件 › 连接服务器…: save the township's server as this computer's database (used from the
        next start; this window stays on its database)."""
        dialog = ServerDialog(self, address=ServerAddress.from_url(self.desk.db.url) or saved_server())
        dialog.accepted.connect(lambda: self._server_saved(dialog))
        dialog.open()
        return dialog

    def _server_saved(self, dialog: ServerDialog) -> None:
        if dialog.desk is None:
            return
        dialog.desk.close()  # this window goes on with the database it has open
        QMessageBox.information(
            self, "连接服务器",
            f"已连接并保存乡镇服务器：{dialog.address().cleaned().describe()}。\n"
            f"下次启动程序时将使用服务器上的数据库；本次仍使用：{self.desk.location}。",
        )

    def checklist_editor(self) -> None:
        from anquan_desk.ui.checklist_editor import ChecklistEditor

        ChecklistEditor(self.desk, parent=self).exec()

    # --- ground tree -------------------------------------------------------------------------

    def refresh_ground(self) -> None:
        QueryOp(self, lambda _p: ground.load_ground_tree(self.desk), success=self._show_ground).run()

    def _show_ground(self, tree: GroundTree) -> None:
        if not build_ground_model(tree, self.ground_model):
            return  # the same nodes with new names and counts: expanded nodes and selection stay
        # The model was rebuilt, so its header's section modes are set again.
        header = self.ground_view.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.ground_view.expandToDepth(0)

    def _ground_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = selected.indexes()
        if indexes:
            self.select_ground(indexes[0])

    def select_ground(self, index: QModelIndex) -> None:
        kind = index.siblingAtColumn(0).data(NODE_KIND_ROLE)
        node_id = index.siblingAtColumn(0).data(NODE_ID_ROLE)
        f = replace(self.place_model.place_filter, village_id=None, grid_id=None, unassigned=False)
        if kind == "village":
            f = replace(f, village_id=node_id)
        elif kind == "grid":
            f = replace(f, grid_id=node_id)
        elif kind == "unassigned":
            f = replace(f, unassigned=True)
        self.place_model.set_filter(f)
        self._update_count()

    # --- filters -----------------------------------------------------------------------------

    def _apply_filters(self) -> None:
        f = replace(
            self.place_model.place_filter,
            query=self.search_edit.text(),
            sector=self.sector_combo.currentData(),
            nine_small_kind=self.kind_combo.currentData(),
            risk_color=self.risk_combo.currentData(),
            status=self.status_combo.currentData(),
            has_overdue=self.overdue_check.isChecked(),
            not_inspected_since=quarter_bounds(date.today().year, quarter_of(date.today()))[0]
            if self.uninspected_check.isChecked()
            else None,
        )
        self.place_model.set_filter(f)
        self._update_count()

    def _update_count(self) -> None:
        self.count_label.setText(self.place_model.total_text())

    # --- places: import wizard, place page ----------------------------------------------------

    def import_places_wizard(self) -> None:
        from anquan_desk.ui.import_wizard import ImportWizard

        wizard = ImportWizard(self.desk, self)
        wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)  # it holds the whole preview
        wizard.exec()

    def _place_double_clicked(self, index: QModelIndex) -> None:
        self.open_place_page(self.place_model.place_id(index.row()))

    def open_place_page(self, place_id: str) -> QWidget:
        from anquan_desk.ui.place_page import PlacePage

        page = PlacePage(self.desk, place_id, self)
        page.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        page.show()
        return page

    # --- inspections -------------------------------------------------------------------------

    def selected_place_id(self) -> str | None:
        index = self.place_view.currentIndex()
        if not index.isValid():
            return None
        return self.place_model.place_id(index.row())

    def start_inspection_for_selected(self) -> None:
        place_id = self.selected_place_id()
        if place_id is None:
            QMessageBox.information(self, "开始检查", "请先在场所列表中选择要检查的场所。")
            return
        dialog = StartInspectionDialog(self.desk, place_id, self)
        if dialog.exec() == StartInspectionDialog.DialogCode.Accepted and dialog.inspection_id:
            self.open_inspection(dialog.inspection_id)

    def open_inspection(self, inspection_id: str) -> InspectionWidget:
        for i in range(self.tabs.count()):
            widget = self.tabs.widget(i)
            if isinstance(widget, InspectionWidget) and widget.inspection_id == inspection_id:
                self.tabs.setCurrentIndex(i)
                return widget
        widget = InspectionWidget(self.desk, inspection_id)
        self.tabs.addTab(widget, "检查")
        self.tabs.setCurrentWidget(widget)
        QueryOp(self, lambda _p: inspections.inspection_title(self.desk, inspection_id),
                success=lambda title: self._title_tab(widget, title)).run()
        return widget

    def _title_tab(self, widget: QWidget, title: str) -> None:
        index = self.tabs.indexOf(widget)
        if index >= 0:
            self.tabs.setTabText(index, title)

    def show_drafts(self, *, mine_only: bool) -> None:
        """The list of unfinished checks (跟踪复查 › 未完成的检查); opening one opens its tab."""
        self.tabs.setCurrentWidget(self.followup)
        self.followup.show_drafts(mine_only=mine_only)

    # --- status bar notice ---------------------------------------------------------------------

    def _notice_button(self, clicked: Callable[[], None]) -> QPushButton:
        button = QPushButton()
        button.setFlat(True)
        button.setCursor(QCursor(Qt.CursorShape.PointingHandCursor))
        button.setStyleSheet(
            "QPushButton { border: none; padding: 0 6px; color: #1f5fa8; text-decoration: underline; }"
        )
        button.clicked.connect(clicked)
        self.statusBar().addWidget(button)
        button.setVisible(False)
        return button

    def refresh_notice(self) -> None:
        QueryOp(self, lambda _p: inspections.start_notice(self.desk), success=self._show_notice).run()

    def _show_notice(self, notice: StartNotice) -> None:
        self.drafts_notice.setText(f"有 {notice.my_drafts} 个未完成的检查（跟踪复查 › 未完成的检查）")
        self.drafts_notice.setVisible(notice.my_drafts > 0)
        self.overdue_notice.setText(f"逾期未整改隐患 {notice.overdue} 条（跟踪复查）")
        self.overdue_notice.setVisible(notice.overdue > 0)

    def _close_tab(self, index: int) -> None:
        if self.tabs.widget(index) not in self._fixed_tabs:
            self.tabs.removeTab(index)

    def _tab_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        # The grid tree belongs to the place list; other screens get the full width.
        self.ground_view.setVisible(widget is self.places_page)

    def show_hazard_list(self, kind: str) -> None:
        """From a dashboard number to its list of hazards."""
        self.followup.set_view(kind)
        self.tabs.setCurrentWidget(self.followup)

    def show_uninspected_in_grid(self, grid_id: str) -> None:
        """From a grid's coverage to its places not yet inspected this quarter."""
        self.tabs.setCurrentWidget(self.places_page)
        matches = self.ground_model.match(
            self.ground_model.index(0, 0), NODE_ID_ROLE, grid_id, 1, Qt.MatchFlag.MatchRecursive
        )
        if matches:
            self.ground_view.setCurrentIndex(matches[0])
            self.select_ground(matches[0])
        self.uninspected_check.setChecked(True)

    # --- actions -----------------------------------------------------------------------------

    def export_ledger_dialog(self) -> QWidget:
        from anquan_desk.ui.ledger_export import LedgerExportDialog

        dialog = LedgerExportDialog(self.desk, parent=self)
        dialog.open()
        return dialog

    def backup_database(self) -> None:
        source = self.desk.file_path
        if source is None:
            QMessageBox.information(self, "备份", "服务器数据库请由管理员用 pg_dump 备份。")
            return
        folder = Path(state.last_folder(state.LAST_FOLDER_EXPORT))
        suggested = str(folder / f"{source.stem}-备份-{date.today():%Y%m%d}.db")
        target, _ = QFileDialog.getSaveFileName(self, "备份数据库到", suggested, "数据库备份 (*.db)")
        if not target:
            return
        state.remember_folder(state.LAST_FOLDER_EXPORT, target)
        WriteOp(self, lambda _p: backup.backup_desk(self.desk, Path(target)), success=self._backed_up,
                title="备份失败").with_progress("正在备份数据库…").run()

    def _backed_up(self, result: BackupResult) -> None:
        self.statusBar().showMessage(f"已备份到 {result.path}", 8000)

    def _about(self) -> None:
        QMessageBox.about(
            self,
            "关于安全检查工作台",
            f"安全检查工作台 {__version__}\n乡镇（街道）安全生产检查 · 离线使用\n数据库：{self.desk.location}",
        )
