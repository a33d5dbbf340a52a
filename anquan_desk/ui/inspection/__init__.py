"""Screens of the on-site check: start, walk the items, photos, sign, follow up, re-inspect."""
