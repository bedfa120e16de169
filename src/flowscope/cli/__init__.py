"""The command line: a thin shell over the same functions a notebook calls."""
