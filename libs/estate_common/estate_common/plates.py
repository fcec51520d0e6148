"""A vehicle's plate as the estate keeps it (车牌): the gate's passes and stays, a visitor's car, and a
goods release pass's van (物品放行条) read one plate alike, however it was typed."""
import re
import unicodedata

from .errors import BusinessRuleViolation, field_error

# the separators a plate is typed with, read away: spaces (and the invisible ones of a copied list:
# zero-width, BOM), the dots (· ・ • ‧ ∙ ⋅, and 。 a Chinese input method types for ".") and the dashes
# and minus; ｡ ･ and full-width forms are these once NFKC has read them (review r7 of h7: 沪A・12345 and
# 沪A。12345 were refused once a plate held letters and digits only)
_PLATE_NOISE = re.compile("[\\s\u00b7.\u30fb\u2022\u2027\u2219\u22c5\u3002\\-\u2010-\u2015\u2212"
                          "\u200b-\u200d\u2060\ufeff]")


def plate_key(text):
    """沪A·12345, "沪a 12345", 沪A-12345, 沪A。12345 and 沪Ａ１２３４５ (typed full-width) are one plate:
    what a plate is kept and looked up as (a list's filter takes any text: one of no plate finds none)."""
    return _PLATE_NOISE.sub("", unicodedata.normalize("NFKC", text)).upper()


def plate(text, field="data.plate"):
    """A plate written (a pass, an entry, a visitor's car), as ``plate_key`` keeps it, holding
    letters and digits only (any script's), at least 2 of them: "..." was kept as an empty plate, and
    every such vehicle then shared one parking session, and "🚗🚗" or "##" opened sessions and
    passes (found by probes). A 422: the contract's pattern cannot say "letters" in every script."""
    kept = plate_key(text)
    if sum(1 for character in kept if character.isalnum()) < 2:
        raise BusinessRuleViolation("a plate has at least 2 letters or digits besides spaces, dots and hyphens",
                                    [field_error(field, "has fewer than 2 letters or digits")])
    if not kept.isalnum():
        # 浙C3000😀 or 沪A#12345 opened a stay, and the car typed again without the stray sign was
        # "not inside" at the exit (h7's probe of the gate's evening)
        raise BusinessRuleViolation("a plate holds letters and digits only, besides spaces, dots and hyphens",
                                    [field_error(field, "holds a sign other than a letter or digit")])
    return kept
