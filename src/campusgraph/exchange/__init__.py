"""Import and export of lists (staff, students, parents, disciplines) as CSV and XLSX.

:mod:`.formats` reads and writes the files, :mod:`.lists` names the columns of each list,
:mod:`.importer` checks and writes a list all or nothing, :mod:`.exporter` writes one, and
:mod:`.operator` runs both from the command line. The GraphQL fields ``importList`` and
``exportList`` (``schema/exchange.py``) call the same functions.
"""
