"""Pure rules, no I/O: who is eligible for what, what is urgent, what a message is about.

Each function takes plain data and returns a plain object, so the rules can be read, tested
table-by-table and changed without touching the dialogue or the channels.
"""
