"""Work plans: reading a district plan's sectors and periods, the festival calendar, the 双随机 draw."""
