"""How free text a person typed is kept."""


def spaced(text):
    """Runs of spaces (tabs, new lines) as one space, none at either end; '' for None: how a
    name, an address part or a reason is kept and compared."""
    return " ".join((text or "").split())
