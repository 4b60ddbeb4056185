"""``famsbot worker``: outbox delivery and periodic work (escalations, retention).

PostgreSQL: procrastinate jobs (``queue``), any number of worker processes. The embedded SQLite
default: the same work in-process (``embedded``), inside ``famsbot serve`` or a lone worker.
"""
