"""Data tables of the conversation core (JSON, validated by pydantic when loaded)."""
