"""Credentials recognised by the shape of their value: detect-secrets' detectors, plus the shapes it lacks."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Iterator
from typing import Protocol

#: detect-secrets detectors whose patterns name a credential by its own shape. Left out: the high-entropy and
#: keyword detectors (they flag image digests, ARNs and settings; our name rules cover keywords), public IP
#: addresses (not secrets), Artifactory (its "AP" + hex pattern matches ordinary upper-case words) and the
#: IBM/Softlayer/Cloudant ones (keyword-led, covered by our name rules).
DETECTORS: tuple[tuple[str, str], ...] = (
    ("aws", "AWSKeyDetector"),
    ("azure_storage_key", "AzureStorageKeyDetector"),
    ("basic_auth", "BasicAuthDetector"),
    ("discord", "DiscordBotTokenDetector"),
    ("github_token", "GitHubTokenDetector"),
    ("gitlab_token", "GitLabTokenDetector"),
    ("jwt", "JwtTokenDetector"),
    ("mailchimp", "MailchimpDetector"),
    ("npm", "NpmDetector"),
    ("openai", "OpenAIDetector"),
    ("pypi_token", "PypiTokenDetector"),
    ("sendgrid", "SendGridDetector"),
    ("slack", "SlackDetector"),
    ("square_oauth", "SquareOAuthDetector"),
    ("stripe", "StripeDetector"),
    ("telegram_token", "TelegramBotTokenDetector"),
    ("twilio", "TwilioKeyDetector"),
)

#: Shapes detect-secrets 1.5 misses or only half-matches, each masked whole. The URL ones keep the host visible
#: (it tells the reader which service) and mask the path that is the credential.
OWN_SHAPES: tuple[re.Pattern[str], ...] = (
    re.compile(r"\bgithub_pat_[A-Za-z0-9_]{20,}"),  # fine-grained GitHub tokens
    re.compile(r"\bgh[pousr]_[A-Za-z0-9_]{20,}"),  # any length: detect-secrets wants exactly 36
    re.compile(r"\b[rs]k_(?:live|test)_[0-9A-Za-z]{16,}"),  # Stripe keys longer than detect-secrets' 24
    re.compile(r"\bAIza[0-9A-Za-z_-]{35}"),  # Google API keys
    re.compile(r"\bglpat-[A-Za-z0-9_-]{20,}"),
    re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),  # Slack tokens (detect-secrets wants digits first)
    re.compile(r"\bxapp-[0-9]-[A-Za-z0-9-]{10,}"),  # Slack app-level tokens
    re.compile(r"\bhf_[A-Za-z0-9]{30,}"),  # Hugging Face
    re.compile(r"\bsk-(?:ant-|proj-)?[A-Za-z0-9_-]{32,}"),  # Anthropic, OpenAI project and legacy keys
    re.compile(r"(?<=hooks\.slack\.com/)(?:services|workflows|triggers)/[A-Za-z0-9_/-]+"),
    re.compile(r"(?<=discord\.com/api/webhooks/)[0-9]+/[A-Za-z0-9_-]+"),
    re.compile(r"(?<=discordapp\.com/api/webhooks/)[0-9]+/[A-Za-z0-9_-]+"),
    re.compile(r"(?<=\.webhook\.office\.com/)webhookb2/[A-Za-z0-9@/_-]+"),  # Microsoft Teams incoming webhooks
    re.compile(r"(?<=\.logic\.azure\.com)(?::443)?/workflows/[^\s\"'<>]+"),  # Teams workflows (sig= in the query)
    re.compile(r"(?i)(?<=[?&]sig=)[A-Za-z0-9%_-]{16,}"),  # signed URLs: the signature is the credential
    re.compile(r"(?i)(?<=[?&]x-amz-signature=)[0-9a-f]{16,}"),
    re.compile(r"(?i)(?<=[?&]x-amz-security-token=)[A-Za-z0-9%/+=_-]{16,}"),
)
#: A token runs on over these characters: a detector's fixed-length match is extended to the token's end, so
#: that no tail of a longer token stays visible.
_TOKEN_TAIL = re.compile(r"(?:[A-Za-z0-9_+/=-]|\.(?=[A-Za-z0-9_-]))*")


class _Detector(Protocol):
    def analyze_string(self, string: str) -> Iterable[str]: ...


@functools.cache
def _detectors() -> tuple[_Detector, ...]:
    """The detectors, imported at first use: a run that never redacts a long text loads none of them."""
    import importlib

    found: list[_Detector] = []
    for module, name in DETECTORS:
        found.append(getattr(importlib.import_module(f"detect_secrets.plugins.{module}"), name)())
    return tuple(found)


#: Detectors whose patterns only apply when a word is present (npm's ".+" pattern is quadratic on long text).
_NEEDS: dict[str, str] = {"NpmDetector": "_authToken"}


def detected(text: str) -> Iterator[str]:
    """Every credential value detect-secrets' shape detectors find in ``text``."""
    for detector in _detectors():
        needed = _NEEDS.get(type(detector).__name__)
        if needed is not None and needed not in text:
            continue
        for value in detector.analyze_string(text):
            if value:
                yield value


def mask_shapes(text: str, mask: str) -> str:
    """``text`` with every credential recognised by its shape replaced by ``mask``."""
    if len(text) < 8:  # no detector's shape is shorter
        return text
    # A short find is a fragment (basic-auth's "p" of "://u:p@"): masking it everywhere would eat ordinary words,
    # and the URL rules mask it in place.
    for value in sorted({value for value in detected(text) if len(value) >= 8}, key=len, reverse=True):
        text = re.sub(re.escape(value) + _TOKEN_TAIL.pattern, mask, text)
    for pattern in OWN_SHAPES:
        text = pattern.sub(mask, text)
    return text
