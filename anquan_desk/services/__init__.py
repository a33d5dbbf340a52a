"""Services: the only code that opens database sessions and commits.

Screens (``anquan_desk.ui``) and commands (``anquan_desk.cli``) call the *entry points* here: functions
whose first argument is a :class:`~anquan_desk.services.desk.Desk` (the open database and who is
working) and which return plain data — dataclasses, tuples, ids, bytes — never a live ORM object.
An entry point opens its own unit of work (``desk.unit()``, committed at the end, rolled back on
any error) or read session (``desk.query()``); the audited session writes the audit log and notes
what changed, which the UI announces to every screen.

Inside, entry points compose the *building blocks*: functions taking a SQLAlchemy ``Session``
(the rules of one step, e.g. ``inspections.record_answer(session, …)``), which the demo builder
and the tests also use. Services may import ``core`` (domain, model, rules) and ``io`` (files);
neither of those imports services (``tests/test_layers.py``).
"""
