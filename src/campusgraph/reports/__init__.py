"""Reports the regulations name, the analytics constructor, and their files.

Every report is declared once in :mod:`.registry` (name, titles, levels, whether it shows
personal rows, how it is built and how it reads as a printed table). The GraphQL query of
each report, its XLSX/CSV/PDF file and the ``campusgraph report`` command all go through
that one declaration, and every one of them asks :mod:`.access` first: a report asked at
a level the ruleset does not let the viewer see is FORBIDDEN, never narrowed.
"""
