"""Printed documents in the GUI: preview (QtPdf), print, save; the inspection's 打印文书 menu; the
day's batch; 核验PDF文件.

The PDF always comes from the document service (issued once, then reprinted byte-identical), so
what is previewed, printed and saved is exactly the issued document. Issuing, reprinting,
correcting and voiding are write operations: the number is taken, the PDF drawn and the document
stored off the UI thread (see :mod:`anquan_desk.services.documents`); the screens get plain data
(:class:`~anquan_desk.services.documents.DocumentInfo`) and the PDF bytes. The day's batch is
rendered, printed and exported by operations with progress that can be cancelled.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

from PySide6.QtCore import (
    QBuffer,
    QByteArray,
    QDate,
    QIODevice,
    QModelIndex,
    QPersistentModelIndex,
    QRect,
    QSize,
    Qt,
)
from PySide6.QtGui import QGuiApplication, QHideEvent, QPainter, QShowEvent
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.changes import Changes
from anquan_desk.core.documents.snapshot import DOC_TITLES, DocType
from anquan_desk.core.errors import AnquanError, OperationCancelled, UserInputError
from anquan_desk.core.progress import NO_PROGRESS, Progress
from anquan_desk.core.vocabulary import DocumentStatus
from anquan_desk.services import documents as docs
from anquan_desk.services.desk import Desk
from anquan_desk.services.documents import DocumentInfo, DocumentPdf, VerifyResult
from anquan_desk.ui import state
from anquan_desk.ui.operations import QueryOp, WriteOp, change_hub
from anquan_desk.ui.row_model import DISPLAY, ROLE_BASE, TOOLTIP, RowTableModel

PRINT_DPI = 300  # pages are rasterised for the printer at most at this resolution
TITLE = "文书"  # the title of the messages these screens show

T = TypeVar("T")
Index = QModelIndex | QPersistentModelIndex


# --- PDF helpers ------------------------------------------------------------------------------------


def available_area(window: QWidget) -> QRect | None:
    """Where windows may go on the screen ``window`` opens on (without the taskbar)."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    return screen.availableGeometry() if screen is not None else None


def _fit_on_screen(window: QWidget, width: int, height: int) -> None:
    """Size a preview window to an A4-like shape that fits the screen it opens on (a 1366×768 laptop
    leaves about 700 pixels below the title bar), so its buttons are never off screen."""
    room = available_area(window)
    if room is not None:
        width = min(width, room.width() - 20)
        height = min(height, room.height() - 40)  # the title bar
    window.resize(max(width, 480), max(height, 400))


class LoadedPdf:
    """A QPdfDocument over bytes held in memory.

    The buffer is a Qt child of the document and holds its own copy of the bytes, so Qt deletes it
    after the document. Held by Python instead, a garbage collection could free it before the
    document (a dialog and its slots form a reference cycle, collected in no set order), and the
    document's destructor then read freed memory: a segfault seen in the GUI tests."""

    def __init__(self, data: bytes, parent: QWidget | None = None) -> None:
        self.data = data
        self.document = QPdfDocument(parent) if parent is not None else QPdfDocument()
        self._buffer = QBuffer(self.document)
        self._buffer.setData(QByteArray(data))
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)

    @property
    def ready(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready

    def page_count(self) -> int:
        return self.document.pageCount()


def print_pdf(pdf: QPdfDocument, printer: QPrinter, progress: Progress = NO_PROGRESS) -> int:
    """Draw every page onto the printer (rasterised at ≤ 300 dpi); returns the pages printed.
    Between pages it reports progress and stops (aborting the print job) when cancelled."""
    if pdf.status() != QPdfDocument.Status.Ready or pdf.pageCount() == 0:
        raise AnquanError("文书文件未能载入，无法打印。")
    dpi = min(printer.resolution(), PRINT_DPI)
    pages = pdf.pageCount()
    painter = QPainter()
    if not painter.begin(printer):
        raise AnquanError("无法连接打印机（或无法写入打印文件）。")
    try:
        for page in range(pages):
            try:
                progress.check()
            except OperationCancelled:
                printer.abort()
                raise
            progress.update(page, pages, f"正在打印第 {page + 1} / {pages} 页…")
            if page:
                printer.newPage()
            size_pt = pdf.pagePointSize(page)
            image = pdf.render(page, QSize(round(size_pt.width() / 72 * dpi), round(size_pt.height() / 72 * dpi)))
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(target.topLeft(), scaled), image)
    finally:
        painter.end()
    progress.update(pages, pages)
    return pages


def print_pdf_bytes(data: bytes, printer: QPrinter, progress: Progress = NO_PROGRESS) -> int:
    """:func:`print_pdf` of PDF bytes (loaded here, so an operation can print off the UI thread)."""
    loaded = LoadedPdf(data)  # kept until printed: the document reads from its buffer
    try:
        return print_pdf(loaded.document, printer, progress)
    finally:
        loaded.document.close()


def a4_printer(output_file: Path | None = None) -> QPrinter:
    """A high-resolution A4 printer; with ``output_file`` it writes a PDF instead (no dialog)."""
    printer = QPrinter(QPrinter.PrinterMode.HighResolution)
    printer.setResolution(PRINT_DPI)
    printer.setFullPage(True)
    if output_file is not None:
        printer.setOutputFormat(QPrinter.OutputFormat.PdfFormat)
        printer.setOutputFileName(str(output_file))
    return printer


def _error(parent: QWidget | None, exc: Exception) -> None:
    QMessageBox.warning(parent, TITLE, str(exc))


def _write_pdf(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserInputError(f"无法保存到“{path}”：{exc.strerror or exc}") from exc


def _start_file(name: str) -> str:
    """``name`` in the folder where documents were last saved."""
    return os.path.join(state.last_folder(state.LAST_FOLDER_EXPORT), name)


def _safe_name(text: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text)


def document_title(document: DocumentInfo) -> str:
    return f"{document.doc_type}　{document.number}　（{document.status}，核验码 {document.short_code}）"


def document_file_name(document: DocumentInfo) -> str:
    return _safe_name(f"{document.doc_type}-{document.number}.pdf")


def _print_dialog(parent: QWidget, title: str | None = None) -> QPrinter | None:
    printer = a4_printer()
    dialog = QPrintDialog(printer, parent)
    if title:
        dialog.setWindowTitle(title)
    if dialog.exec() != QDialog.DialogCode.Accepted:
        return None
    return printer


# --- preview ------------------------------------------------------------------------------------------


class DocumentPreviewDialog(QDialog):
    """Shows a PDF (all pages, fit to width) with 打印… and 另存为….

    Given the issued document (``desk`` and ``document``, plain data) it also offers 更正… and
    作废… while the document is 已签发; after a correction it shows the new document. It follows
    changes made to its document elsewhere (its status)."""

    def __init__(
        self,
        pdf: bytes,
        title: str,
        file_name: str = "文书.pdf",
        parent: QWidget | None = None,
        *,
        desk: Desk | None = None,
        document: DocumentInfo | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        if not state.restore_geometry(self, state.PREVIEW_GEOMETRY):
            _fit_on_screen(self, 860, 960)
        self.file_name = file_name
        self.desk = desk
        self.document = document
        self._retired: list[LoadedPdf] = []
        self.pdf = LoadedPdf(pdf, self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.pdf.document)
        self.info = QLabel(title)
        self.info.setWordWrap(True)
        self.print_button = QPushButton("打印…")
        self.print_button.setDefault(True)
        self.print_button.clicked.connect(self.choose_printer)
        self.save_button = QPushButton("另存为…")
        self.save_button.clicked.connect(self.choose_file)
        self.correct_button = QPushButton("更正…")
        self.correct_button.setToolTip("按当前记录重新出具本文书（新编号），原文书标记为已更正")
        self.correct_button.clicked.connect(self.ask_correct)
        self.void_button = QPushButton("作废…")
        self.void_button.setToolTip("将本文书标记为已作废，编号保留不再使用")
        self.void_button.clicked.connect(self.ask_void)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(self.correct_button)
        buttons.addWidget(self.void_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)
        self._update_actions()
        if desk is not None and document is not None:
            change_hub.subscribe(self, self._changed)

    @property
    def document_id(self) -> str | None:
        return self.document.id if self.document is not None else None

    @property
    def status(self) -> str:
        return self.document.status if self.document is not None else ""

    # --- correct / void ---------------------------------------------------------------------------

    def _update_actions(self) -> None:
        managed = self.desk is not None and self.document is not None
        issued = self.status == DocumentStatus.ISSUED.value
        for button in (self.correct_button, self.void_button):
            button.setVisible(managed)
            button.setEnabled(managed and issued)
        self.print_button.setEnabled(self.status != DocumentStatus.VOID.value)

    def _show(self, document: DocumentInfo, pdf: bytes, note: str = "") -> None:
        """Put another (or the same, changed) document into the dialog."""
        self.document = document
        title = document_title(document)
        self.setWindowTitle(title)
        self.info.setText(f"{title}\n{note}" if note else title)
        self.file_name = document_file_name(document)
        if pdf is not self.pdf.data:
            old = self.pdf
            self.pdf = LoadedPdf(pdf, self)
            self.view.setDocument(self.pdf.document)
            old.document.close()
            old.document.deleteLater()
            self._retired.append(old)  # its buffer must outlive the QPdfDocument until that is deleted
        self._update_actions()

    def _changed(self, changes: Changes, initiator: object) -> None:
        """Another screen corrected or voided the shown document: show its new status."""
        document, desk = self.document, self.desk
        if initiator is self or document is None or desk is None:
            return
        if changes.touches_row("documents", document.id):
            QueryOp(self, lambda _p: docs.document_info(desk, document.id), success=self._refreshed,
                    title=TITLE).run()

    def _refreshed(self, document: DocumentInfo) -> None:
        if document.id == self.document_id and document.status != self.status:
            self._show(document, self.pdf.data)

    def _ask_reason(self, title: str, label: str) -> str | None:
        reason, ok = QInputDialog.getText(self, title, label)
        reason = reason.strip() if ok else ""
        return reason or None

    def ask_correct(self) -> None:
        reason = self._ask_reason("更正文书", "更正原因（将记入操作记录）：")
        if reason is not None:
            self.correct(reason)

    def correct(self, reason: str, served_on: date | None = None) -> None:
        """Issue the corrected document (new number) and show it; the old one becomes 已更正. For a
        notice/order/review of an act before today the new document's 送达日期 is asked unless given."""
        desk, old = self.desk, self.document
        if desk is None or old is None:
            return
        if served_on is None:
            act_day = docs.correction_date_needed(desk, old.id)  # a small read
            if act_day is not None:
                served_on = ServiceDateDialog.ask(act_day, self)
                if served_on is None:
                    return

        def corrected(result: DocumentPdf) -> None:
            self._show(
                result.document, result.pdf,
                f"已更正原文书 {old.number}（原文书状态：{DocumentStatus.SUPERSEDED.value}）",
            )

        WriteOp(
            self, lambda p: docs.correct_issued(desk, old.id, reason, served_on=served_on, progress=p),
            success=corrected, title=TITLE,
        ).with_progress("正在出具更正后的文书…").run()

    def ask_void(self) -> None:
        reason = self._ask_reason("作废文书", "作废原因（将记入操作记录）：")
        if reason is None:
            return
        answer = QMessageBox.question(
            self,
            "作废文书",
            f"确定作废本文书吗？\n原因：{reason}\n作废后文书不再有效，编号保留且不再使用，此操作不能撤销。",
        )
        if answer == QMessageBox.StandardButton.Yes:
            self.void(reason)

    def void(self, reason: str) -> None:
        """Mark the shown document 已作废; printing is disabled afterwards."""
        desk, document = self.desk, self.document
        if desk is None or document is None:
            return
        WriteOp(
            self,
            lambda _p: docs.void_issued(desk, document.id, reason),
            success=lambda voided: self._show(voided, self.pdf.data, f"本文书已作废（原因：{reason}），不能再打印。"),
            title=TITLE,
        ).run()

    # --- print / save -----------------------------------------------------------------------------

    def print_to(self, printer: QPrinter) -> int:
        return print_pdf(self.pdf.document, printer)

    def choose_printer(self) -> None:
        printer = _print_dialog(self, "打印文书")
        if printer is None:
            return
        data = self.pdf.data
        QueryOp(self, lambda p: print_pdf_bytes(data, printer, p), title=TITLE).with_progress(
            "正在打印…", cancellable=True
        ).run()

    def save_to(self, path: Path) -> None:
        path.write_bytes(self.pdf.data)

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, "另存为", _start_file(self.file_name), "PDF 文件 (*.pdf)")
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        state.remember_folder(state.LAST_FOLDER_EXPORT, path)
        try:
            self.save_to(path)
        except OSError as exc:
            _error(self, AnquanError(f"无法保存到“{path}”：{exc.strerror or exc}"))

    def hideEvent(self, event: QHideEvent) -> None:
        state.remember_geometry(self, state.PREVIEW_GEOMETRY)
        super().hideEvent(event)


def preview_for(
    document: DocumentInfo, pdf: bytes, parent: QWidget | None = None, *, desk: Desk | None = None
) -> DocumentPreviewDialog:
    """The preview of an issued document; with ``desk`` it offers 更正… / 作废…."""
    return DocumentPreviewDialog(
        pdf, document_title(document), document_file_name(document), parent, desk=desk, document=document
    )


# --- from the inspection screen -------------------------------------------------------------------


def documents_menu(desk: Desk, inspection_id: str, parent: QWidget) -> QMenu:
    """The 打印文书 menu of a finished inspection: 现场检查记录 / 整改通知书(或指令书) / 照片附页."""
    menu = QMenu(parent)
    for choice in docs.document_choices(desk, inspection_id):  # a small read: the menu opens now
        action = menu.addAction(f"{choice.label}（{choice.state}）…")
        action.setEnabled(choice.enabled)
        action.setData(choice.doc_type)
        action.triggered.connect(
            lambda _checked=False, t=choice.doc_type, issued=choice.issued: open_document(
                desk, t, inspection_id, parent, issued=issued
            )
        )
    extras = docs.extra_document_choices(desk, inspection_id)  # a small read as well
    if extras:
        menu.addSeparator()
    for extra in extras:
        action = menu.addAction(f"{extra.label}（{extra.state}）…")
        action.setEnabled(extra.enabled)
        action.setData(f"{extra.doc_type}:{extra.key}")
        action.triggered.connect(lambda _checked=False, c=extra: open_extra_document(desk, c, parent))
    return menu


# --- 挂牌督办通知书, 隐患移交抄告函, 送达回证 ------------------------------------------------------------------


def _issue_extra(
    desk: Desk, choice: docs.ExtraChoice, request: docs.ReceiptRequest, served_on: date | None, progress: Progress
) -> DocumentPdf:
    """Issue (or reprint) the document of an extra menu entry; runs in a write operation."""
    if choice.doc_type == "supervision":
        return docs.supervision_notice(desk, choice.key, served_on=served_on, progress=progress)
    if choice.doc_type == "handover":
        return docs.handover_letter(desk, choice.inspection_id, choice.key, served_on=served_on, progress=progress)
    return docs.service_receipt(desk, choice.key, request, served_on=served_on, progress=progress)


def _draft_extra(desk: Desk, choice: docs.ExtraChoice, request: docs.ReceiptRequest, served_on: date | None) -> bytes:
    """The draft (草稿, no number) of the document of an extra menu entry; runs in a query operation."""
    if choice.doc_type == "supervision":
        return docs.preview_supervision_notice(desk, choice.key, served_on=served_on)
    if choice.doc_type == "handover":
        return docs.preview_handover_letter(desk, choice.inspection_id, choice.key, served_on=served_on)
    return docs.preview_service_receipt(desk, choice.key, request, served_on=served_on)


def open_extra_document(desk: Desk, choice: docs.ExtraChoice, parent: QWidget | None) -> None:
    """Reprint an issued 挂牌督办通知书 / 移交抄告函 / 送达回证, or issue a new one after its draft preview
    (number taken only on 签发), as :func:`open_document` does. A receipt first asks how and when the
    document was served (:class:`ReceiptDialog`); the others ask the 送达日期 where the act is not of today."""
    request = docs.ReceiptRequest()
    served_on: date | None = None
    if not choice.issued:
        if choice.doc_type == "receipt":
            asked = ReceiptDialog.ask(choice, parent)
            if asked is None:
                return
            request, served_on = asked
        elif choice.act_day is not None:
            served_on = ServiceDateDialog.ask(choice.act_day, parent)
            if served_on is None:
                return

    def show(result: DocumentPdf) -> None:
        dialog = preview_for(result.document, result.pdf, parent, desk=desk)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    def obtain() -> None:
        WriteOp(
            parent, lambda p: _issue_extra(desk, choice, request, served_on, p), success=show, title=TITLE
        ).with_progress("正在签发文书…").run()

    if choice.issued:
        obtain()
        return

    def show_draft(pdf: bytes) -> None:
        dialog = DraftDialog(pdf, DOC_TITLES[choice.doc_type], parent, on_issue=obtain)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    QueryOp(
        parent, lambda _p: _draft_extra(desk, choice, request, served_on), success=show_draft, title=TITLE
    ).with_progress("正在生成文书草稿…").run()


class ReceiptDialog(QDialog):
    """How and when an issued document was served, for its 送达回证: 直接送达, or 留置送达 with the
    witness's name and the reason (e.g. 受送达人拒绝签收); the 送达日期 between the document's date and today.
    Small enough for a 1366×768 screen."""

    def __init__(self, choice: docs.ExtraChoice, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("送达回证")
        last = today or date.today()
        first = min(choice.since or last, last)
        served = choice.label.removeprefix(DOC_TITLES["receipt"]).strip("（）")
        intro = QLabel(f"为文书 {served} 出具送达回证。请填写送达方式和送达日期（不早于文书日期，不晚于今天）：")
        intro.setWordWrap(True)
        self.direct = QRadioButton("直接送达（受送达人签收）")
        self.left = QRadioButton("留置送达（受送达人拒绝签收）")
        self.direct.setChecked(True)
        self.witness = QLineEdit()
        self.witness.setPlaceholderText("见证人姓名及身份，如：王五（村委会主任）")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("如：受送达人拒绝签收")
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        self.date_edit.setDateRange(QDate(first.year, first.month, first.day), QDate(last.year, last.month, last.day))
        self.date_edit.setDate(QDate(first.year, first.month, first.day))
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        form = QFormLayout()
        form.addRow("送达方式：", self.direct)
        form.addRow("", self.left)
        form.addRow("见证人：", self.witness)
        form.addRow("留置事由：", self.reason)
        form.addRow("送达日期：", self.date_edit)
        self.ok_button = QPushButton("确定")
        self.ok_button.setDefault(True)
        self.ok_button.clicked.connect(self.check_and_accept)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addLayout(buttons)
        self.left.toggled.connect(self._mode_changed)
        self._mode_changed()
        self.setMinimumWidth(440)
        self.setMaximumWidth(560)

    def _mode_changed(self) -> None:
        for field in (self.witness, self.reason):
            field.setEnabled(self.left.isChecked())
        self.error.clear()

    def request(self) -> docs.ReceiptRequest:
        if self.left.isChecked():
            return docs.ReceiptRequest(
                method="留置送达", witness=self.witness.text().strip(), reason=self.reason.text().strip()
            )
        return docs.ReceiptRequest()

    def chosen(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    def check_and_accept(self) -> None:
        try:
            self.request().checked()
        except UserInputError as exc:
            self.error.setText(str(exc))
            return
        self.accept()

    @classmethod
    def ask(cls, choice: docs.ExtraChoice, parent: QWidget | None = None) -> tuple[docs.ReceiptRequest, date] | None:
        dialog = cls(choice, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.request(), dialog.chosen()


def open_document(
    desk: Desk,
    doc_type: DocType,
    inspection_id: str,
    parent: QWidget | None,
    *,
    confirm: bool = True,
    issued: bool | None = None,
    reinspection_id: str | None = None,
) -> None:
    """Reprint an issued document, or issue a new one after a draft preview; then show the document.

    A new document is first drawn as a draft (watermark 草稿, no number) in :class:`DraftDialog`;
    only 签发 there takes the number. For a check or 复查 before today the service date (送达日期,
    the date the document will bear) is asked first (:class:`ServiceDateDialog`). ``confirm=False``
    issues without the draft (the service date, where needed, is still asked). ``issued`` says
    whether the document exists already (looked up when not given)."""
    if issued is None:
        issued = _is_issued(desk, doc_type, inspection_id, reinspection_id)
    if issued:
        _obtain(desk, doc_type, inspection_id, reinspection_id, None, parent)
        return
    act_day = docs.service_date_needed(desk, doc_type, inspection_id, reinspection_id)  # a small read
    served_on: date | None = None
    if act_day is not None:
        served_on = ServiceDateDialog.ask(act_day, parent)
        if served_on is None:
            return
    if not confirm:
        _obtain(desk, doc_type, inspection_id, reinspection_id, served_on, parent)
        return
    drafted = doc_type
    if doc_type == "photos":
        # The appendix takes no number of its own, but the document it is attached to is issued first:
        # that one is shown as the draft.
        parent_type: DocType = "review" if reinspection_id is not None else "record"
        if not docs.is_issued(desk, parent_type, inspection_id, reinspection_id):
            drafted = parent_type

    def show_draft(pdf: bytes) -> None:
        dialog = DraftDialog(
            pdf, _kind_title(drafted), parent,
            on_issue=lambda: _obtain(desk, doc_type, inspection_id, reinspection_id, served_on, parent),
        )
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    QueryOp(
        parent,
        lambda _p: docs.preview_document(desk, drafted, inspection_id, reinspection_id, served_on=served_on),
        success=show_draft,
        title=TITLE,
    ).with_progress("正在生成文书草稿…").run()


def _kind_title(doc_type: DocType) -> str:
    return DOC_TITLES[doc_type] if doc_type != "photos" else "照片附页"


def _is_issued(desk: Desk, doc_type: DocType, inspection_id: str, reinspection_id: str | None) -> bool:
    if reinspection_id is not None:
        return docs.is_issued(desk, doc_type, inspection_id, reinspection_id)
    return any(c.issued for c in docs.document_choices(desk, inspection_id) if c.doc_type == doc_type)


def _obtain(
    desk: Desk,
    doc_type: DocType,
    inspection_id: str,
    reinspection_id: str | None,
    served_on: date | None,
    parent: QWidget | None,
) -> None:
    """Issue (number taken now) or reprint, as an operation with progress; then show the document."""

    def show(result: DocumentPdf) -> None:
        dialog = preview_for(result.document, result.pdf, parent, desk=desk)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()

    WriteOp(
        parent,
        lambda p: docs.obtain_document(
            desk, doc_type, inspection_id, reinspection_id, served_on=served_on, progress=p
        ),
        success=show,
        title=TITLE,
    ).with_progress("正在签发文书…").run()


class ServiceDateDialog(QDialog):
    """Asks the 送达日期 of a document about a check / 复查 done before today: the date the document
    will bear, between the day of the act and today."""

    def __init__(self, act_day: date, parent: QWidget | None = None, today: date | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("送达日期")
        last = today or date.today()
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        self.date_edit.setDateRange(QDate(act_day.year, act_day.month, act_day.day), QDate(last.year, last.month, last.day))
        self.date_edit.setDate(QDate(last.year, last.month, last.day))
        text = QLabel(
            f"该检查（复查）是{act_day.year}年{act_day.month}月{act_day.day}日进行的。"
            "请填写文书送达被检查单位的日期：文书以此为落款日期，重印时不变；"
            "各项整改期限不能早于这一天。"
        )
        text.setWordWrap(True)
        ok = QPushButton("确定")
        ok.setDefault(True)
        ok.clicked.connect(self.accept)
        cancel = QPushButton("取消")
        cancel.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(ok)
        buttons.addWidget(cancel)
        layout = QVBoxLayout(self)
        layout.addWidget(text)
        layout.addWidget(self.date_edit)
        layout.addLayout(buttons)

    def chosen(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    @classmethod
    def ask(cls, act_day: date, parent: QWidget | None = None) -> date | None:
        dialog = cls(act_day, parent)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return None
        return dialog.chosen()


class DraftDialog(QDialog):
    """The draft of a document not issued yet (watermark 草稿, no number) with 签发 / 取消: the
    number is taken only when 签发 is chosen (then ``on_issue`` runs)."""

    def __init__(
        self, pdf: bytes, kind: str, parent: QWidget | None = None, *, on_issue: Callable[[], None] | None = None
    ) -> None:
        super().__init__(parent)
        self.on_issue = on_issue
        self.setWindowTitle(f"{kind}（草稿预览）")
        if not state.restore_geometry(self, state.PREVIEW_GEOMETRY):
            _fit_on_screen(self, 860, 960)
        self.pdf = LoadedPdf(pdf, self)
        self.view = QPdfView(self)
        self.view.setPageMode(QPdfView.PageMode.MultiPage)
        self.view.setZoomMode(QPdfView.ZoomMode.FitToWidth)
        self.view.setDocument(self.pdf.document)
        self.info = QLabel(
            f"这是{kind}的草稿，尚未签发、未占用编号。核对无误后点“签发”：签发时占用文书编号，"
            "内容即固定，如有错误只能更正或作废。"
        )
        self.info.setWordWrap(True)
        self.issue_button = QPushButton("签发")
        self.issue_button.setDefault(True)
        self.issue_button.clicked.connect(self.issue)
        self.cancel_button = QPushButton("取消")
        self.cancel_button.clicked.connect(self.reject)
        buttons = QHBoxLayout()
        buttons.addWidget(self.info, 1)
        buttons.addWidget(self.issue_button)
        buttons.addWidget(self.cancel_button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.view, 1)
        layout.addLayout(buttons)

    def issue(self) -> None:
        self.accept()
        if self.on_issue is not None:
            self.on_issue()

    def hideEvent(self, event: QHideEvent) -> None:
        state.remember_geometry(self, state.PREVIEW_GEOMETRY)
        super().hideEvent(event)


# --- batch of a day ---------------------------------------------------------------------------------


class DocumentListModel(RowTableModel[DocumentInfo]):
    """Issued documents (:class:`DocumentInfo` rows): type, number, place, time of issue.

    ``DOCUMENT_ID_ROLE`` gives a row's document id."""

    DOCUMENT_ID_ROLE = ROLE_BASE + 1
    COLUMNS = ("文书", "编号", "被检查单位", "签发时间")
    COL_TYPE, COL_NUMBER, COL_PLACE, COL_TIME = range(4)

    def cell(self, row: DocumentInfo, column: int, role: int) -> Any:
        if role == DISPLAY:
            return (row.doc_type, row.number, row.place_name, row.issued_at.strftime("%H:%M"))[column]
        if role == TOOLTIP:
            return f"{row.doc_type} {row.number}（核验码 {row.short_code}）"
        if role == self.DOCUMENT_ID_ROLE:
            return row.id
        return None


class BatchPrintDialog(QDialog):
    """All valid documents issued on one day: preview, print or export as one PDF."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, day: date | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.setWindowTitle("按日批量打印文书")
        self.resize(760, 460)
        self._stale = False
        self.preview_dialog: DocumentPreviewDialog | None = None
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        start = day or date.today()
        self.date_edit.setDate(QDate(start.year, start.month, start.day))
        self.date_edit.dateChanged.connect(self.reload)
        self.model = DocumentListModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
        self._widths_restored = state.restore_header(self.table.horizontalHeader(), state.DOCUMENT_COLUMNS)
        self.count_label = QLabel()
        self.preview_button = QPushButton("预览…")
        self.preview_button.clicked.connect(self.preview)
        self.print_button = QPushButton("打印…")
        self.print_button.clicked.connect(self.choose_printer)
        self.export_button = QPushButton("导出为一个 PDF…")
        self.export_button.clicked.connect(self.choose_file)
        close = QPushButton("关闭")
        close.clicked.connect(self.reject)
        top = QHBoxLayout()
        top.addWidget(QLabel("签发日期："))
        top.addWidget(self.date_edit)
        top.addWidget(self.count_label, 1)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        for button in (self.preview_button, self.print_button, self.export_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self._show_rows(self.day(), ())
        self.count_label.setText("正在读取…")
        change_hub.subscribe(self, self._changed)
        self.reload()

    @property
    def document_ids(self) -> list[str]:
        return [row.id for row in self.model.rows]

    def day(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    # --- the list ---------------------------------------------------------------------------------

    def reload(self) -> None:
        self._stale = False
        day = self.day()
        QueryOp(
            self, lambda _p: docs.documents_of_day(self.desk, day), success=lambda rows: self._show_rows(day, rows),
            title=TITLE,
        ).run()

    def _show_rows(self, day: date, rows: Sequence[DocumentInfo]) -> None:
        if day != self.day():
            return  # the date was changed meanwhile: its own query follows
        self.model.set_rows(rows)
        if not self._widths_restored:
            self.table.resizeColumnsToContents()
        self.count_label.setText(f"共 {len(rows)} 份文书" if rows else "当日没有签发的文书")
        for button in (self.preview_button, self.print_button, self.export_button):
            button.setEnabled(bool(rows))

    def _changed(self, changes: Changes, _initiator: object) -> None:
        if changes.touches("documents", "places"):  # a document issued, corrected, voided; a place renamed
            if self.isVisible():
                self.reload()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.reload()

    def hideEvent(self, event: QHideEvent) -> None:
        state.remember_header(self.table.horizontalHeader(), state.DOCUMENT_COLUMNS)
        super().hideEvent(event)

    # --- the batch --------------------------------------------------------------------------------

    def _title(self, count: int) -> str:
        d = self.day()
        return f"{d.year}年{d.month}月{d.day}日签发的文书（{count} 份）"

    def _batch(self, label: str, then: Callable[[bytes, Progress], T], success: Callable[[T], None]) -> None:
        """Render the listed documents into one PDF and hand it to ``then`` (both in the operation)."""
        ids = self.document_ids
        QueryOp(
            self, lambda p: then(docs.batch_pdf(self.desk, ids, p), p), success=success, title=TITLE
        ).with_progress(label, cancellable=True).run()

    def preview(self) -> None:
        """Render the day's documents and show them (``preview_dialog``)."""
        title, name = self._title(len(self.document_ids)), f"文书-{self.day().isoformat()}.pdf"

        def show(pdf: bytes) -> None:
            dialog = DocumentPreviewDialog(pdf, title, name, self)
            dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
            dialog.show()
            self.preview_dialog = dialog

        self._batch("正在合成当日文书…", lambda pdf, _p: pdf, show)

    def choose_printer(self) -> None:
        printer = _print_dialog(self)
        if printer is None:
            return
        self._batch("正在打印当日文书…", lambda pdf, p: print_pdf_bytes(pdf, printer, p), lambda _pages: None)

    def export_to(self, path: Path) -> None:
        """Write the day's documents as one PDF file (an operation with progress)."""
        self._batch("正在导出当日文书…", lambda pdf, _p: _write_pdf(path, pdf), lambda _none: None)

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, "导出为 PDF", _start_file(f"文书-{self.day().isoformat()}.pdf"), "PDF 文件 (*.pdf)"
        )
        if not name:
            return
        state.remember_folder(state.LAST_FOLDER_EXPORT, name)
        self.export_to(Path(name))


# --- verify a PDF file ------------------------------------------------------------------------------


def verify_file_message(desk: Desk, path: Path) -> VerifyResult:
    """verify_pdf on a file (an unreadable file raises a UserInputError with a Chinese message)."""
    return docs.verify_pdf_file(desk, path)


def _show_verdict(parent: QWidget | None, result: VerifyResult) -> None:
    if result.ok:
        QMessageBox.information(parent, "核验PDF文件", result.message)
    else:
        QMessageBox.warning(parent, "核验PDF文件", result.message)


def verify_pdf_dialog(desk: Desk, parent: QWidget | None = None) -> None:
    """Pick a PDF file and tell whether it is a document issued from this database, unchanged."""
    name, _filter = QFileDialog.getOpenFileName(
        parent, "核验PDF文件", state.last_folder(state.LAST_FOLDER_EXPORT), "PDF 文件 (*.pdf);;所有文件 (*)"
    )
    if not name:
        return
    path = Path(name)
    QueryOp(
        parent, lambda _p: verify_file_message(desk, path), success=lambda result: _show_verdict(parent, result),
        title=TITLE,
    ).with_progress("正在核验…").run()
