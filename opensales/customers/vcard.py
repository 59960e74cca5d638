"""vCard 3.0 export of contacts (RFC 2426 escaping, UTF-8, CRLF line ends, folded at 75 octets)."""

from __future__ import annotations

from collections.abc import Iterable

from opensales.core.masking import mask_value

from .models import Contact


def escape(value: str) -> str:
    return (
        (value or "")
        .replace("\\", "\\\\")
        .replace("\n", "\\n")
        .replace("\r", "")
        .replace(",", "\\,")
        .replace(";", "\\;")
    )


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out)


def vcard(contact: Contact, *, unmasked: bool = False) -> str:
    """`unmasked`: the mobile and e-mail in clear (the user may unmask), else masked like on the pages."""
    mobile, email = contact.mobile or "", contact.email or ""
    if not unmasked:
        mobile = mask_value("phone", mobile) if mobile else ""
        email = mask_value("email", email) if email else ""
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{escape(contact.name)}"]
    # Chinese names: family name first (one character, or two for compound surnames: best effort).
    family, given = contact.name[:1], contact.name[1:]
    lines.append(f"N:{escape(family)};{escape(given)};;;")
    org = contact.customer.name
    if contact.department:
        lines.append(f"ORG:{escape(org)};{escape(contact.department)}")
    else:
        lines.append(f"ORG:{escape(org)}")
    if contact.title:
        lines.append(f"TITLE:{escape(contact.title)}")
    if mobile:
        lines.append(f"TEL;TYPE=CELL:{escape(mobile)}")
    if contact.phone:
        lines.append(f"TEL;TYPE=WORK:{escape(contact.phone)}")
    if email:
        lines.append(f"EMAIL;TYPE=INTERNET:{escape(email)}")
    if contact.birthday:
        lines.append(f"BDAY:{contact.birthday.isoformat()}")
    if contact.wechat:
        lines.append(f"X-WECHAT:{escape(contact.wechat)}")
    if contact.notes:
        lines.append(f"NOTE:{escape(contact.notes)}")
    lines.append("END:VCARD")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def vcards(contacts: Iterable[Contact], *, unmasked: bool = False) -> str:
    return "".join(vcard(c, unmasked=unmasked) for c in contacts)
