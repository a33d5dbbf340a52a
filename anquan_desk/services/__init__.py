"""Services: the only way the UI and the command line change data.

Each function takes a session opened with ``Database.session(actor=...)``; the audit log is
written by the session's flush hook, so every change made here is recorded.
"""
