"""The booking assistant: natural-language requests turned into bookable proposals."""
