"""安全检查工作台 (anquan-desk): offline work-safety inspection for township offices."""

__version__ = "0.1.0"
