"""The administrator's screens: the township profile, villages and grids with their members, users;
and the 管理 menu that opens them (:func:`anquan_desk.ui.admin.menu.add_admin_menu`)."""
