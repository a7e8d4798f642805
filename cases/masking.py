def mask_identifier(value: str) -> str:
    """Mask an ID number or credit code, keeping the first 3 and last 4 characters."""
    value = value or ""
    if len(value) <= 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
