"""Channel adapters: turn a provider's message into an ``Inbound`` and ``Reply`` objects back into it.

Adapters translate only; they decide nothing about the conversation.
"""
