"""Printed documents as PDF (reportlab): fonts with fallback, and rendering from content snapshots."""

from anquan_desk.io.pdf.render import qr_payload, render_document, render_documents, write_document

__all__ = ["qr_payload", "render_document", "render_documents", "write_document"]
