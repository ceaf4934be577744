"""link: web addresses (where the full text, annexes or forms are published), with the site's name when given.

Data: url, site.
"""

from __future__ import annotations

import re

from ..model import Fact
from .common import Context, norm
from .registry import fact_kind

# http(s)://…, www.… or a bare domain under a common top-level domain; never the domain of an e-mail address.
_URL_RE = re.compile(r"(?<![@\w.])(?:https?://[^\s()<>\"“”]+|www\.[^\s()<>\"“”]+|"
                     r"[a-z0-9-]+(?:\.[a-z0-9-]+)*\.(?:vn|com|org|net|gov|edu|int)\b(?!@)(?:/[^\s()<>\"“”]*)?)",
                     re.I)
# "… đăng tải trên cổng thông tin điện tử của Chính phủ (http://…)": the site is named after the last connector.
_SITE_RE = re.compile(r".*(?:^|\s)(?:trên|tại|ở|qua|và|hoặc|website)\s+(?P<site>[^()]{3,80}?)\s*\($", re.I | re.S)


@fact_kind("link", "links", "Địa chỉ web", ("url", "site"))
def extract_links(ctx: Context) -> list[Fact]:
    """Web addresses, each with the site's name when the text gives it, cited at their sentence."""
    facts = []
    for line, section, s, e, _ in ctx.sentences():
        raw = ctx.source[s:e]
        for m in _URL_RE.finditer(raw):
            url = m.group(0).rstrip(".,;:")
            site = _SITE_RE.match(raw[:m.start()])
            fact = ctx.fact("link", line, section, s, e,
                            {"url": url, "site": norm(site.group("site")) if site else ""})
            if fact:
                facts.append(fact)
    return facts
