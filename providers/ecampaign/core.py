"""The eCampaign envelope: login, one POST per operation, reply and return-code handling.

Every web service takes ``POST`` with one form field, ``xml`` (lower case), holding UTF-8 XML
``<ecampaign><login>…</login>…</ecampaign>``, and answers ``<ecampaign><code>…</code>
<message>…</message>…</ecampaign>``. The XML is built with the element API (the serializer
escapes ``<``, ``&`` and quotes); the form body is URL-encoded by hand from the UTF-8 bytes so
that the bytes on the wire are exactly the ones built here.
"""

from __future__ import annotations

import hashlib
import re
import urllib.parse
from collections.abc import Collection, Mapping
from dataclasses import dataclass

import httpx
from lxml import etree

from providers.base import AccountSettings
from providers.ecampaign import DEFAULT_BASE_URL
from providers.ecampaign.codes import AUTH_FAILED, KIND, OK, meaning
from providers.errors import AuthenticationError, InputError, OutcomeUnknownError, ProviderError
from providers.forms import form_encode
from providers.http import FORM_CONTENT_TYPE, MAX_REPLY_BYTES, make_client, request
from providers.phone import from_ecampaign
from providers.redact import excerpt, scrub
from providers.xml import MAX_XML_BYTES, XmlRefused, parse, sub, to_bytes

# Characters XML 1.0 cannot carry at all (lxml would raise a bare ValueError on them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_xml_text(field: str, value: str) -> str:
    """Refuse, naming them, characters that no XML document may contain."""
    bad = sorted(set(_NOT_XML.findall(value)))
    if bad:
        names = ", ".join(f"U+{ord(char):04X}" for char in bad)
        raise InputError(field, f"contains characters XML cannot carry ({names})")
    return value


def el(
    parent: etree._Element, tag: str, text: str | None = None, *, field: str = "", **attrs: str
) -> etree._Element:
    """``providers.xml.sub`` after checking that the text and attributes can be carried."""
    if text is not None:
        check_xml_text(field or tag, text)
    for name, value in attrs.items():
        check_xml_text(field or name, value)
    return sub(parent, tag, text, **attrs)


@dataclass(frozen=True)
class Reply:
    code: int
    message: str
    root: etree._Element


def _base_url(raw: str) -> str:
    url = raw.strip().rstrip("/")
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        shown = "the value" if "@" in raw else repr(raw)  # never echo embedded credentials
        raise InputError("base_url", f"{shown} is not an http(s) URL")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InputError("base_url", "the base URL must not carry a query, fragment or user")
    return url


def parse_flag(field: str, raw: str | None, *, default: bool) -> bool:
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in ("true", "yes", "1"):
        return True
    if value in ("false", "no", "0"):
        return False
    raise InputError(field, f"{raw!r} is neither true nor false")


class EcampaignCore:
    """Credentials, HTTP client and reply reading shared by every web-service family."""

    def __init__(
        self,
        settings: AccountSettings,
        secret: str,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.account = settings.name
        self.user = settings.login.strip()
        self.options: Mapping[str, str] = dict(settings.options)
        self.base_url = _base_url(self.options.get("base_url") or DEFAULT_BASE_URL)
        self.md5 = parse_flag("md5", self.options.get("md5"), default=False)
        self._secret = secret
        self.client = make_client(transport)

    def __repr__(self) -> str:
        return f"EcampaignCore(account={self.account!r}, user={self.user!r}, url={self.base_url!r})"

    def option(self, key: str) -> str | None:
        value = self.options.get(key)
        return value.strip() if value and value.strip() else None

    # -- secrets ------------------------------------------------------------------------------
    @property
    def secret(self) -> str:
        """The password as the account stores it (HLR lookups take it in the query string)."""
        if not self._secret:
            raise InputError("password", "the account has no eCampaign password")
        return self._secret

    def _password_field(self) -> str:
        if self.md5:
            return hashlib.md5(self.secret.encode("utf-8"), usedforsecurity=False).hexdigest()
        return self.secret

    def scrub(self, text: str) -> str:
        """Provider text goes into errors: never let it echo the password (or its MD5) back."""
        return scrub(text, self._secret)

    # -- requests -----------------------------------------------------------------------------
    def require_user(self) -> str:
        if not self.user:
            raise InputError("login", "the account has no eCampaign user name")
        return self.user

    def envelope(self) -> etree._Element:
        """``<ecampaign><login>…</login></ecampaign>``; operations append their element."""
        self.require_user()
        root = etree.Element("ecampaign")
        login = el(root, "login")
        el(login, "user", self.user, field="login")
        el(login, "password", self._password_field(), field="password")
        if self.md5:
            el(login, "md5", "true")
        return root

    def url(self, path: str) -> str:
        return self.base_url + path

    def form(self, root: etree._Element) -> bytes:
        """The form body carrying ``root``: one field, ``xml``, the UTF-8 document encoded."""
        return form_encode([("xml", to_bytes(root, "UTF-8"))])

    async def post(
        self,
        path: str,
        root: etree._Element,
        *,
        sends: bool,
        max_bytes: int = MAX_REPLY_BYTES,
    ) -> httpx.Response:
        """``max_bytes`` bounds the reply (a whole group's members are larger than most)."""
        return await self.post_form(path, self.form(root), sends=sends, max_bytes=max_bytes)

    async def post_form(
        self, path: str, body: bytes, *, sends: bool, max_bytes: int = MAX_REPLY_BYTES
    ) -> httpx.Response:
        """``post`` of a body built already (``form``)."""
        return await request(
            self.client,
            KIND,
            "POST",
            self.url(path),
            sends=sends,
            content=body,
            headers={"Content-Type": FORM_CONTENT_TYPE},
            max_bytes=max_bytes,
        )

    async def call(
        self,
        path: str,
        root: etree._Element,
        *,
        sends: bool,
        accept: Collection[int] = (),
    ) -> Reply:
        """POST ``root`` and return the reply; any code but 0 (or one of ``accept``) raises.

        ``sends`` marks operations with an effect (sends, changes, deletions): when their reply
        cannot be read, whether the effect happened is unknown, and the error says so.
        """
        reply = await self.exchange(path, root, sends=sends)
        if reply.code != OK and reply.code not in accept:
            raise self.refusal(reply)
        return reply

    async def exchange(self, path: str, root: etree._Element, *, sends: bool) -> Reply:
        """POST ``root`` and return the reply whatever its code."""
        return self.read_reply(await self.post(path, root, sends=sends), sends=sends)

    async def exchange_form(self, path: str, body: bytes, *, sends: bool) -> Reply:
        """``exchange`` of a body built already (``form``)."""
        return self.read_reply(await self.post_form(path, body, sends=sends), sends=sends)

    # -- replies ------------------------------------------------------------------------------
    def read_reply(
        self, response: httpx.Response, *, sends: bool, max_bytes: int = MAX_XML_BYTES
    ) -> Reply:
        """The reply's code, message and root, or an error saying why it cannot be read."""
        try:
            root = parse(response.content, max_bytes=max_bytes)
        except XmlRefused as exc:
            raise self._unreadable(response, sends, str(exc)) from None
        code_text = root.findtext("code") if root.tag == "ecampaign" else None
        code_digits = (code_text or "").strip().removeprefix("-")
        # isascii: "²".isdigit() is true but int() refuses it; the length bounds the int.
        if not (code_digits.isascii() and code_digits.isdigit() and len(code_digits) <= 9):
            raise self._unreadable(response, sends, "no eCampaign return code in the reply")
        message = (root.findtext("message") or "").strip()
        return Reply(int((code_text or "").strip()), message, root)

    def refusal(self, reply: Reply) -> ProviderError:
        original = self.scrub(reply.message)
        if reply.code == AUTH_FAILED:
            return AuthenticationError(KIND, str(reply.code), meaning(reply.code), original)
        return ProviderError(KIND, str(reply.code), meaning(reply.code), original)

    def _unreadable(self, response: httpx.Response, sends: bool, reason: str) -> ProviderError:
        original = excerpt(response.content, self._secret)
        status = response.status_code
        if 300 <= status < 400:
            return ProviderError(
                KIND,
                f"HTTP {status}",
                f"the provider answered with a redirect (HTTP {status}); check the base_url "
                "option. Nothing was processed",
                original,
            )
        if status >= 400:
            return ProviderError(
                KIND,
                f"HTTP {status}",
                f"the provider refused the request with HTTP {status}",
                original,
            )
        if sends:
            return OutcomeUnknownError(
                KIND,
                f"unreadable reply ({reason}); the request may have been processed",
                original,
            )
        return ProviderError(KIND, "BAD_REPLY", f"unreadable reply ({reason})", original)

    def bad_reply(self, reason: str, *, sends: bool = False) -> ProviderError:
        """A reply that parsed but lacks what the operation needs."""
        if sends:
            return OutcomeUnknownError(KIND, f"{reason}; the request may have been processed")
        return ProviderError(KIND, "BAD_REPLY", reason)

    async def aclose(self) -> None:
        await self.client.aclose()


# --------------------------------------------------------------------------- reading helpers


def text(element: etree._Element, path: str) -> str | None:
    """Stripped text at ``path``; None when absent or empty."""
    found = element.findtext(path)
    if found is None:
        return None
    found = found.strip()
    return found or None


def attr(element: etree._Element, *names: str) -> str | None:
    """First non-empty attribute among ``names`` (the samples vary the case: Channel)."""
    for name in names:
        value = element.get(name)
        if value is not None and value.strip():
            return value.strip()
    return None


def to_bool(value: str | None) -> bool | None:
    if value is None:
        return None
    lowered = value.strip().lower()
    if lowered in ("true", "1", "yes"):
        return True
    if lowered in ("false", "0", "no"):
        return False
    return None


def to_int(value: str | None) -> int | None:
    if value is None:
        return None
    digits = value.strip()
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        return None
    return int(value.strip())


def e164_or_raw(code: str | None, number: str | None) -> str | None:
    """E.164 from eCampaign's code + national number; the digits as received if not valid."""
    if not number:
        return None
    if code:
        try:
            return from_ecampaign(code, number)
        except InputError:
            return f"+{code.lstrip('+')}{number.lstrip('0')}"
    return number
