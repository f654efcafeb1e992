"""numberInfo/HLRlookup: what the mobile network knows about a number.

The only GET of the suite, with the credentials in the query string (``user``, ``pass``): the
URL is never put into an error, a log line or a repr. The password is sent as stored (the
service documents no MD5 form).
"""

from __future__ import annotations

from dataclasses import dataclass

from providers.ecampaign.codes import KIND, hlr_error, hlr_status
from providers.ecampaign.core import EcampaignCore, text, to_bool
from providers.http import request
from providers.phone import for_ecampaign, normalise

HLR_PATH = "/numberInfo/HLRlookup"


@dataclass(frozen=True)
class HlrResult:
    """What the network knows about a number; ``status`` and ``error`` are our meanings."""

    number: str
    status_code: str | None = None
    status: str | None = None  # our English meaning of status_code
    status_msg: str | None = None
    error_code: str | None = None
    error: str | None = None  # our English meaning of error_code
    error_permanent: bool | None = None
    error_msg: str | None = None
    imsi: str | None = None
    mcc: str | None = None
    mnc: str | None = None
    ported: bool | None = None
    original_network: str | None = None
    original_prefix: str | None = None
    original_country: str | None = None
    ported_network: str | None = None
    ported_prefix: str | None = None
    ported_country: str | None = None


class HlrMixin:
    _core: EcampaignCore

    async def hlr_lookup(self, number: str) -> HlrResult:
        """Look ``number`` up (any form; French by default)."""
        e164 = normalise(number, field="number")
        code, national = for_ecampaign(e164)
        core = self._core
        params = {
            "user": core.require_user(),
            "pass": core.secret,
            "code": code,
            "number": national,
        }
        response = await request(
            core.client, KIND, "GET", core.url(HLR_PATH), sends=False, params=params
        )
        reply = core.read_reply(response, sends=False)
        if reply.code != 0:
            raise core.refusal(reply)
        hlr = reply.root.find("hlr")
        if hlr is None:
            raise core.bad_reply("the reply holds no HLR details")
        digits = text(hlr, "number")
        status_code = text(hlr, "status_code")
        error_code = text(hlr, "error_code")
        return HlrResult(
            number=f"+{digits.lstrip('+')}" if digits and digits.lstrip("+").isdigit() else e164,
            status_code=status_code,
            status=hlr_status(status_code),
            status_msg=text(hlr, "status_msg"),
            error_code=error_code,
            error=hlr_error(error_code),
            error_permanent=to_bool(text(hlr, "error_permanent")),
            error_msg=text(hlr, "error_msg"),
            imsi=text(hlr, "imsi"),
            mcc=text(hlr, "net_mcc"),
            mnc=text(hlr, "net_mnc"),
            ported=to_bool(text(hlr, "ported")),
            original_network=text(hlr, "net_orig"),
            original_prefix=text(hlr, "net_orig_prefix"),
            original_country=text(hlr, "net_orig_country"),
            ported_network=text(hlr, "net_port"),
            ported_prefix=text(hlr, "net_port_prefix"),
            ported_country=text(hlr, "net_port_country"),
        )
