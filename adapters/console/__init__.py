"""The console front end: the `factbot` command and its plain-text rendering."""
