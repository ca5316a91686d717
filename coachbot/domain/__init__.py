"""The coaching rules: pure Python, no I/O and no framework imports."""
