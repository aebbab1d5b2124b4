"""The arrival point's printed kit (A4, for people without mobile data).

qr          QR codes as inline SVG, made on the server (segno: pure Python)
slips       the signed link of a hold slip (no login: the household has none)
views       /kit/poster/ (QR codes to the list and to /ask/, the coordination phone, in the
            three languages at once), /kit/list/ (open shelters and meals, printed at),
            /slip/<token>/ (where to go for one hold: printable, shareable)
"""
