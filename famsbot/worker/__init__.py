"""``famsbot worker``: outbox delivery and periodic work (escalations, retention), on either database.

``run``: the command; ``embedded``: the dispatcher, periodic loop and heartbeat in one process (also
inside ``famsbot serve`` on the embedded SQLite default); ``periodic``: work done once a minute across
all workers; ``heartbeat``: the row that says a worker is alive; ``retention``: what is forgotten when.
"""
