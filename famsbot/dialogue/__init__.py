"""The channel-agnostic conversation: messages in and out, the engine, flows' building blocks."""
