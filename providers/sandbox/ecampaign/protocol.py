"""The eCampaign wire protocol as the sandbox speaks it: return codes, request reading, login,
reply building and the date formats of the spec."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

from aiohttp import web
from lxml import etree

from providers.xml import XmlRefused, child_text, parse, sub, to_bytes

PARIS = ZoneInfo("Europe/Paris")
DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

#: The annex "Codes de retour", word for word: MESSAGE_RETOUR is the text of the code.
MESSAGES: dict[int, str] = {
    0: "Opération effectuée avec succès",
    1: "Requête invalide",
    2: "Requête XML malformée ou invalide",
    3: "Nom d'utilisateur et/ou mot de passe invalides",
    4: "L'accès aux web-services n'est pas activé sur ce compte",
    11: "Crédit insuffisant pour réaliser l'envoi",
    12: "Des erreurs se sont produites durant l'envoi",
    13: "Aucun destinataire n'est sélectionné pour l'envoi",
    14: "Le message SMS n'est pas renseigné ou comporte trop de caractères",
    15: "Le changement d'expéditeur n'est pas autorisé",
    16: "Le nom d'expéditeur SMS doit comporter entre 1 et 11 caractères",
    17: "L'identifiant du modèle est invalide",
    18: "Type de canal inconnu",
    19: "Route incompatible",
    40: "Date de planification invalide (format attendu : AAAA:MM:JJ HH:MM:SS)",
    41: "Filtrage : champ(s) spécifié(s) est inexistant(s)",
    42: "Filtrage : paramètre(s) invalide(s)",
    21: "Accès au groupe interdit",
    22: "Impossible de trouver le membre",
    23: "Données malformées, impossible d'ajouter le membre",
    24: "Doublon détecté, impossible d'ajouter le membre",
    25: "Erreur de syntaxe",
    26: "Les champs de destination ne sont pas précisés ou invalides",
    27: "Groupe d'envoi non trouvé",
    28: "Doublon détecté sur un nom de champ",
    29: "L'un des champs à créer ou à modifier est invalide (nom ou type invalide)",
    50: "Au moins un champ doit être spécifié",
    51: "Création d'un champ impossible",
    52: "Données invalides, impossible de créer le groupe",
    53: "Aucune modification n'a été demandée",
    54: "Impossible de modifier le groupe",
    55: "Impossible de supprimer les tag(s)",
    56: "Accès au membre interdit",
    60: "Accès au modèle interdit",
    61: "Une campagne programmée utilise ce modèle, il est donc impossible de le supprimer",
    62: "Impossible de supprimer ce modèle",
    63: "Type de modèle non supporté",
    64: "Impossible de créer ou de modifier le modèle",
    65: "Modèle non trouvé",
    66: "Obtention d'un MP3 : type de message invalide",
    67: "Obtention d'un MP3 : fichier non trouvé",
    68: "Envoi d'un MP3 : La syntaxe de l'URL HTTP communiquée est invalide",
    69: "Envoi d'un MP3 : Impossible de télécharger le fichier à partir de l'URL communiquée",
    70: "Envoi d'un MP3 : Le fichier est trop volumineux (5 Mo max)",
    71: "Envoi d'un MP3 : Impossible de traiter le fichier",
    72: "Envoi d'un MP3 : La durée du MP3 est supérieure à la durée définie sur le modèle",
    31: "Aucun crédit d'envoi n'est disponible sur le compte",
    80: "L'écart entre la date de début et de fin est trop important ou invalide",
    81: "Votre demande n'a retourné aucun résultat",
    82: "Campagne non trouvée",
}


class EcError(Exception):
    """Ends a request with an eCampaign return code; ``detail`` is for the sandbox's own log."""

    def __init__(self, code: int, detail: str = "") -> None:
        super().__init__(f"{code}: {detail or MESSAGES[code]}")
        self.code = code
        self.detail = detail


#: Schedules a POST of form field ``xml`` after ``delay`` seconds, to ``url`` or, when None, to
#: the account's configured delivery-report URL.
Notify = Callable[[str, float, "str | None"], None]


@dataclass
class Call:
    """Everything a handler needs: the parsed request, the time, and the way to call back."""

    root: etree._Element
    now: datetime
    params: Mapping[str, str]
    delay: float
    notify: Notify
    #: Runs work after the answer (importMembers fetches its file); None where nothing may.
    spawn: Callable[[Coroutine[Any, Any, None]], None] | None = None


# --------------------------------------------------------------------------- reading requests


async def read_request(request: web.Request) -> etree._Element:
    """The ``<ecampaign>`` root of the form field ``xml``; code 1 without it, 2 when refused."""
    raw: object
    if request.content_type == "multipart/form-data":
        raw = (await request.post()).get("xml")
    else:
        # Decoded strictly: invalid UTF-8 is an unreadable document (2), not U+FFFD characters.
        try:
            pairs = parse_qsl(
                (await request.read()).decode(), keep_blank_values=True, errors="strict"
            )
        except (UnicodeDecodeError, ValueError):
            raise EcError(2, "form body is not UTF-8") from None
        raw = next((value for name, value in pairs if name == "xml"), None)
    if not isinstance(raw, str):
        raise EcError(1, "no form field 'xml'")
    try:
        root = parse(raw)
    except XmlRefused as exc:
        raise EcError(2, str(exc)) from None
    if root.tag != "ecampaign":
        raise EcError(2, "the root element is not <ecampaign>")
    return root


def password_matches(given: str | None, secret: str, *, md5: bool) -> bool:
    if given is None:
        return False
    # MD5 is what the spec offers to keep the password out of the request in clear.
    expected = hashlib.md5(secret.encode(), usedforsecurity=False).hexdigest() if md5 else secret
    candidate = given.strip().lower() if md5 else given
    return hmac.compare_digest(candidate.encode(), expected.encode())


def check_login(root: etree._Element, login: str, secret: str) -> None:
    element = root.find("login")
    if element is None:
        raise EcError(3, "no <login>")
    user = child_text(element, "user")
    md5 = is_true(child_text(element, "md5"))
    # Both comparisons always run, so the timing does not tell which one failed.
    user_ok = hmac.compare_digest((user or "").encode(), login.encode())
    password_ok = password_matches(child_text(element, "password"), secret, md5=md5)
    if not (user_ok and password_ok):
        raise EcError(3)


# --------------------------------------------------------------------------- values


def is_true(text: str | None) -> bool:
    return (text or "").strip().lower() in {"true", "1"}


def bool_text(value: bool) -> str:
    return "true" if value else "false"


def text_of(parent: etree._Element | None, path: str) -> str:
    """Stripped text at ``path``, "" when absent or empty (the spec's optional elements)."""
    if parent is None:
        return ""
    return child_text(parent, path) or ""


def parse_id(text: str | None) -> int | None:
    value = (text or "").strip()
    return int(value) if value.isdigit() and len(value) < 12 else None


def fmt(moment: datetime) -> str:
    """The spec's "AAAA-MM-JJ HH:MM:SS", in Paris time (the platform is French)."""
    return moment.astimezone(PARIS).strftime(DATETIME_FORMAT)


def fmt_date(moment: datetime) -> str:
    return moment.astimezone(PARIS).strftime("%Y-%m-%d")


def paris_date(moment: datetime) -> date:
    return moment.astimezone(PARIS).date()


def parse_local(text: str) -> datetime | None:
    """``AAAA-MM-JJ HH:MM:SS`` read as Paris time, or None when it is not that exactly."""
    try:
        naive = datetime.strptime(text.strip(), DATETIME_FORMAT)
    except ValueError:
        return None
    return naive.replace(tzinfo=PARIS).astimezone(UTC)


def credits_text(amount: Decimal) -> str:
    """``3`` rather than ``3.00``; fractional credits keep their digits."""
    if amount == amount.to_integral_value():
        return str(int(amount))
    return format(amount.normalize(), "f")


# --------------------------------------------------------------------------- replies


def reply(code: int = 0) -> etree._Element:
    root = etree.Element("ecampaign")
    sub(root, "code", str(code))
    sub(root, "message", MESSAGES[code])
    return root


def xml_response(root: etree._Element) -> web.Response:
    return web.Response(body=to_bytes(root), content_type="text/xml", charset="utf-8")


def document(root: etree._Element) -> str:
    """A callback document, as the text of the form field ``xml``."""
    return to_bytes(root).decode("utf-8")


def is_http_url(text: str) -> bool:
    """Syntax only: the sandbox never fetches anything."""
    if not text or any(c.isspace() for c in text):
        return False
    parts = urlsplit(text)
    return parts.scheme in {"http", "https"} and bool(parts.hostname)
