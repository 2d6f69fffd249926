"""The application layer's commands: one table (word -> parse, answer, usage, who, speed)."""
