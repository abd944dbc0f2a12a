"""The data models (pydantic v2) of the Logto client."""
