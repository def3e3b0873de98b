"""The lake: the only code that reads or writes Seula's stored data.

Layout under the data folder (``SEULA_HOME``)::

    lake/<engagement>/<table>/part-*.parquet   one folder per table and engagement
    lake/catalog.duckdb                         one schema per engagement, one view per table
    state/<engagement>/checkpoints.json        collection checkpoints
    reports/<engagement>/                       rendered reports
    logs/seula.log                              the run log
"""
