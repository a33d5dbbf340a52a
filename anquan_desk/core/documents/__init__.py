"""Printed documents, the Qt-free and PDF-free part: content snapshots, fixed wording, numbers."""
