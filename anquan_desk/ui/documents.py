"""Printed documents in the GUI: preview (QtPdf), print, save; the inspection's 打印文书 menu; the
day's batch.

The PDF always comes from the document service (issued once, then reprinted byte-identical), so
what is previewed, printed and saved is exactly the issued document.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QDate, QIODevice, QRect, QSize, Qt
from PySide6.QtGui import QPainter
from PySide6.QtPdf import QPdfDocument
from PySide6.QtPdfWidgets import QPdfView
from PySide6.QtPrintSupport import QPrintDialog, QPrinter
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QMessageBox,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from anquan_desk.core.attachments import AttachmentStore
from anquan_desk.core.clock import to_local
from anquan_desk.core.documents.snapshot import DOC_TITLES, DocType
from anquan_desk.core.errors import AnquanError
from anquan_desk.core.models import Document, Inspection
from anquan_desk.core.vocabulary import DocumentStatus, InspectionStatus
from anquan_desk.services import documents as docs
from anquan_desk.services.desk import Desk
from anquan_desk.services.numbering import township_or_fail

PRINT_DPI = 300  # pages are rasterised for the printer at most at this resolution


# --- PDF helpers ------------------------------------------------------------------------------------


class LoadedPdf:
    """A QPdfDocument over bytes held in memory (the buffer lives as long as the document)."""

    def __init__(self, data: bytes, parent: QWidget | None = None) -> None:
        self.data = data
        self.document = QPdfDocument(parent) if parent is not None else QPdfDocument()
        self._bytes = QByteArray(data)
        self._buffer = QBuffer(self._bytes)
        self._buffer.open(QIODevice.OpenModeFlag.ReadOnly)
        self.document.load(self._buffer)

    @property
    def ready(self) -> bool:
        return self.document.status() == QPdfDocument.Status.Ready

    def page_count(self) -> int:
        return self.document.pageCount()


def print_pdf(pdf: QPdfDocument, printer: QPrinter) -> int:
    """Draw every page onto the printer (rasterised at ≤ 300 dpi); returns the pages printed."""
    if pdf.status() != QPdfDocument.Status.Ready or pdf.pageCount() == 0:
        raise AnquanError("文书文件未能载入，无法打印。")
    dpi = min(printer.resolution(), PRINT_DPI)
    painter = QPainter()
    if not painter.begin(printer):
        raise AnquanError("无法连接打印机（或无法写入打印文件）。")
    try:
        for page in range(pdf.pageCount()):
            if page:
                printer.newPage()
            size_pt = pdf.pagePointSize(page)
            image = pdf.render(page, QSize(round(size_pt.width() / 72 * dpi), round(size_pt.height() / 72 * dpi)))
            target = painter.viewport()
            scaled = image.size().scaled(target.size(), Qt.AspectRatioMode.KeepAspectRatio)
            painter.drawImage(QRect(target.topLeft(), scaled), image)
    finally:
        painter.end()
    return pdf.pageCount()


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
    QMessageBox.warning(parent, "文书", str(exc))


# --- preview ------------------------------------------------------------------------------------------


class DocumentPreviewDialog(QDialog):
    """Shows a PDF (all pages, fit to width) with 打印… and 另存为….

    Given the issued document (``db``, ``actor``, ``document_id``, ``status``) it also offers
    更正… and 作废… while the document is 已签发; after a correction it shows the new document."""

    def __init__(
        self,
        pdf: bytes,
        title: str,
        file_name: str = "文书.pdf",
        parent: QWidget | None = None,
        *,
        desk: Desk | None = None,
        document_id: str | None = None,
        status: str = "",
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(860, 960)
        self.file_name = file_name
        self.desk = desk
        self.db = desk.db if desk is not None else None
        self.actor = desk.actor.username if desk is not None else ""
        self.document_id = document_id
        self.status = status
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

    # --- correct / void ---------------------------------------------------------------------------

    def _update_actions(self) -> None:
        managed = self.db is not None and self.document_id is not None
        issued = self.status == DocumentStatus.ISSUED.value
        for button in (self.correct_button, self.void_button):
            button.setVisible(managed)
            button.setEnabled(managed and issued)
        self.print_button.setEnabled(self.status != DocumentStatus.VOID.value)

    def _show(self, document: Document, pdf: bytes, note: str = "") -> None:
        """Put another (or the same, changed) document into the dialog."""
        self.document_id = document.id
        self.status = document.status
        title = document_title(document)
        self.setWindowTitle(title)
        self.info.setText(f"{title}\n{note}" if note else title)
        self.file_name = _safe_name(f"{document.doc_type}-{document.number}.pdf")
        if pdf is not self.pdf.data:
            old = self.pdf
            self.pdf = LoadedPdf(pdf, self)
            self.view.setDocument(self.pdf.document)
            old.document.close()
            old.document.deleteLater()
            self._retired.append(old)  # its buffer must outlive the QPdfDocument until that is deleted
        self._update_actions()

    def _ask_reason(self, title: str, label: str) -> str | None:
        reason, ok = QInputDialog.getText(self, title, label)
        reason = reason.strip() if ok else ""
        return reason or None

    def ask_correct(self) -> None:
        reason = self._ask_reason("更正文书", "更正原因（将记入操作记录）：")
        if reason is not None:
            self.correct(reason)

    def correct(self, reason: str) -> bool:
        """Issue the corrected document (new number) and show it; the old one becomes 已更正."""
        if self.db is None or self.document_id is None:
            return False
        try:
            with self.db.session(self.actor) as session:
                old = session.get(Document, self.document_id)
                old_number = old.number if old is not None else ""
                new, pdf = docs.correct_document(
                    session, self.document_id, reason, store=AttachmentStore(self.db.attachments_dir)
                )
                session.flush()
                session.expunge(new)
        except AnquanError as exc:
            _error(self, exc)
            return False
        self._show(new, pdf, f"已更正原文书 {old_number}（原文书状态：{DocumentStatus.SUPERSEDED.value}）")
        return True

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

    def void(self, reason: str) -> bool:
        """Mark the shown document 已作废; printing is disabled afterwards."""
        if self.db is None or self.document_id is None:
            return False
        try:
            with self.db.session(self.actor) as session:
                document = docs.void_document(session, self.document_id, reason)
                session.flush()
                session.expunge(document)
        except AnquanError as exc:
            _error(self, exc)
            return False
        self._show(document, self.pdf.data, f"本文书已作废（原因：{reason}），不能再打印。")
        return True

    def print_to(self, printer: QPrinter) -> int:
        return print_pdf(self.pdf.document, printer)

    def choose_printer(self) -> None:
        printer = a4_printer()
        dialog = QPrintDialog(printer, self)
        dialog.setWindowTitle("打印文书")
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            self.print_to(printer)
        except AnquanError as exc:
            _error(self, exc)

    def save_to(self, path: Path) -> None:
        path.write_bytes(self.pdf.data)

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self, "另存为", self.file_name, "PDF 文件 (*.pdf)")
        if not name:
            return
        path = Path(name)
        if path.suffix.lower() != ".pdf":
            path = path.with_suffix(".pdf")
        try:
            self.save_to(path)
        except OSError as exc:
            _error(self, AnquanError(f"无法保存到“{path}”：{exc.strerror or exc}"))


def _safe_name(text: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in text)


def document_title(document: Document) -> str:
    return f"{document.doc_type}　{document.number}　（{document.status}，核验码 {document.short_code}）"


def preview_for(
    document: Document, pdf: bytes, parent: QWidget | None = None, *, desk: Desk | None = None
) -> DocumentPreviewDialog:
    """The preview of an issued document; with ``desk`` it offers 更正… / 作废…."""
    return DocumentPreviewDialog(
        pdf,
        document_title(document),
        _safe_name(f"{document.doc_type}-{document.number}.pdf"),
        parent,
        desk=desk,
        document_id=document.id,
        status=document.status,
    )


# --- from the inspection screen -------------------------------------------------------------------


def obtain_document(
    desk: Desk, doc_type: DocType, inspection_id: str, reinspection_id: str | None = None
) -> tuple[Document, bytes, bool]:
    """Issue (first time) or reprint the inspection's document; (document, pdf, newly issued?)."""
    with desk.db.session(desk.actor.username) as session:
        document, pdf, new = docs.issue_or_reprint(
            session,
            desk.attachments,
            doc_type,
            inspection_id=inspection_id,
            reinspection_id=reinspection_id,
        )
        session.expunge(document)
    return document, pdf, new


def document_choices(desk: Desk, inspection_id: str) -> list[tuple[DocType, str, bool, str]]:
    """The documents of a finished inspection: (type, label, enabled, state text)."""
    with desk.db.reader() as session:
        inspection = session.get(Inspection, inspection_id)
        if inspection is None or inspection.status != InspectionStatus.FINISHED.value:
            return []
        kind = docs.notice_type(township_or_fail(session))
        hazards = len(inspection.hazards)
        choices: list[tuple[DocType, str, bool, str]] = []
        record = docs.current_document(session, "record", inspection_id=inspection_id)
        notice = docs.current_document(session, kind, inspection_id=inspection_id)
        photos = record and docs.current_document(session, "photos", attached_to=record.number)
        choices.append(("record", DOC_TITLES["record"], True, record.number if record else "未签发"))
        choices.append((kind, DOC_TITLES[kind], hazards > 0, notice.number if notice else ("未签发" if hazards else "无隐患")))
        choices.append(("photos", "照片附页", hazards > 0, photos.number if photos else "未签发"))
    return choices


def documents_menu(desk: Desk, inspection_id: str, parent: QWidget) -> QMenu:
    """The 打印文书 menu of a finished inspection: 现场检查记录 / 整改通知书(或指令书) / 照片附页."""
    menu = QMenu(parent)
    for doc_type, label, enabled, state in document_choices(desk, inspection_id):
        action = menu.addAction(f"{label}（{state}）…")
        action.setEnabled(enabled)
        action.setData(doc_type)
        action.triggered.connect(
            lambda _checked=False, t=doc_type: open_document(desk, t, inspection_id, parent)
        )
    return menu


def open_document(
    desk: Desk, doc_type: DocType, inspection_id: str, parent: QWidget | None, *, confirm: bool = True
) -> DocumentPreviewDialog | None:
    """Issue (after confirmation) or reprint, then show the preview."""
    if confirm:
        with desk.db.reader() as session:
            existing = docs.current_document(session, doc_type, inspection_id=inspection_id)
            if doc_type == "photos":
                record = docs.current_document(session, "record", inspection_id=inspection_id)
                existing = record and docs.current_document(session, "photos", attached_to=record.number)
        if existing is None:
            answer = QMessageBox.question(
                parent,
                "签发文书",
                f"将签发{DOC_TITLES[doc_type] if doc_type != 'photos' else '照片附页'}并占用一个文书编号。"
                "签发后内容即固定，如有错误只能更正或作废。继续吗？",
            )
            if answer != QMessageBox.StandardButton.Yes:
                return None
    try:
        document, pdf, _new = obtain_document(desk, doc_type, inspection_id)
    except AnquanError as exc:
        _error(parent, exc)
        return None
    dialog = preview_for(document, pdf, parent, desk=desk)
    dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    dialog.show()
    return dialog


# --- batch of a day ---------------------------------------------------------------------------------


class BatchPrintDialog(QDialog):
    """All valid documents issued on one day: preview, print or export as one PDF."""

    def __init__(self, desk: Desk, parent: QWidget | None = None, day: date | None = None) -> None:
        super().__init__(parent)
        self.desk = desk
        self.db = desk.db
        self.setWindowTitle("按日批量打印文书")
        self.resize(760, 460)
        self.date_edit = QDateEdit()
        self.date_edit.setCalendarPopup(True)
        self.date_edit.setDisplayFormat("yyyy年M月d日")
        self.date_edit.setDate(QDate(day or date.today()))
        self.date_edit.dateChanged.connect(self.reload)
        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels(["文书", "编号", "被检查单位", "签发时间"])
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.verticalHeader().setVisible(False)
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
        self.document_ids: list[str] = []
        self.reload()

    def day(self) -> date:
        d = self.date_edit.date()
        return date(d.year(), d.month(), d.day())

    def reload(self) -> None:
        with self.db.reader() as session:
            documents = docs.documents_issued_on(session, self.day())
            self.document_ids = [d.id for d in documents]
            self.table.setRowCount(len(documents))
            for row, d in enumerate(documents):
                values = (d.doc_type, d.number, d.place.name, to_local(d.issued_at).strftime("%H:%M"))
                for col, value in enumerate(values):
                    self.table.setItem(row, col, QTableWidgetItem(value))
        self.table.resizeColumnsToContents()
        self.count_label.setText(f"共 {len(documents)} 份文书" if documents else "当日没有签发的文书")
        for button in (self.preview_button, self.print_button, self.export_button):
            button.setEnabled(bool(documents))

    def batch_pdf(self) -> bytes:
        with self.db.reader() as session:
            documents = [d for i in self.document_ids if (d := session.get(Document, i)) is not None]
            return docs.render_batch(session, documents)

    def export_to(self, path: Path) -> None:
        path.write_bytes(self.batch_pdf())

    def _title(self) -> str:
        d = self.day()
        return f"{d.year}年{d.month}月{d.day}日签发的文书（{len(self.document_ids)} 份）"

    def preview(self) -> DocumentPreviewDialog | None:
        try:
            pdf = self.batch_pdf()
        except AnquanError as exc:
            _error(self, exc)
            return None
        dialog = DocumentPreviewDialog(pdf, self._title(), f"文书-{self.day().isoformat()}.pdf", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    def choose_printer(self) -> None:
        printer = a4_printer()
        dialog = QPrintDialog(printer, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        try:
            pdf = LoadedPdf(self.batch_pdf(), self)
            print_pdf(pdf.document, printer)
        except AnquanError as exc:
            _error(self, exc)

    def choose_file(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(
            self, "导出为 PDF", f"文书-{self.day().isoformat()}.pdf", "PDF 文件 (*.pdf)"
        )
        if not name:
            return
        try:
            self.export_to(Path(name))
        except AnquanError as exc:
            _error(self, exc)
        except OSError as exc:
            _error(self, AnquanError(f"无法保存到“{name}”：{exc.strerror or exc}"))



# --- verify a PDF file ------------------------------------------------------------------------------


def verify_file_message(desk: Desk, path: Path) -> docs.VerifyResult:
    """verify_pdf on a file (an unreadable file raises a UserInputError with a Chinese message)."""
    with desk.db.reader() as session:
        return docs.verify_file(session, path)


def verify_pdf_dialog(desk: Desk, parent: QWidget | None = None) -> docs.VerifyResult | None:
    """Pick a PDF file and tell whether it is a document issued from this database, unchanged."""
    name, _filter = QFileDialog.getOpenFileName(parent, "核验PDF文件", "", "PDF 文件 (*.pdf);;所有文件 (*)")
    if not name:
        return None
    try:
        result = verify_file_message(desk, Path(name))
    except AnquanError as exc:
        _error(parent, exc)
        return None
    if result.ok:
        QMessageBox.information(parent, "核验PDF文件", result.message)
    else:
        QMessageBox.warning(parent, "核验PDF文件", result.message)
    return result
