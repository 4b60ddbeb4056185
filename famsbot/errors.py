"""The one exception tree of famsbot.

Callers catch by family; adapters map low-level library errors into it, so that the delivery
worker can decide what to retry and the staff console what to show, without knowing which
provider or which query failed::

    FamsbotError
     ├── ConfigError                 unsafe or incomplete configuration, refused at start
     ├── ContentError                content files that fail validation (lists every problem)
     ├── FlowError                   a flow definition that cannot work (a programming error)
     ├── NotStored                   a message the database could not take (spooled): the provider should retry
     ├── AccessDenied                staff asked for something outside their role or prison
     │    ├── LoginRequired          no live session: sign in (again)
     │    ├── LoginRefused           wrong email or password, or too many attempts
     │    ├── PasswordChangeRequired signed in with a one-time code: choose a password first
     │    ├── CsrfRefused            a state-changing request without the session's CSRF token
     │    └── NotFound               nothing here this member of staff may see
     │         ├── ConcernNotFound   no such concern, or another prison's (indistinguishable)
     │         └── BroadcastNotFound no such broadcast, or another prison's (indistinguishable)
     ├── ActionRefused               a staff action that cannot be done in this state or with this input
     ├── AccountError                a staff account cannot be created or changed as asked
     └── ChannelError                sending a message failed
          ├── TransientChannelError  try again later (network, 5xx)
          │    ├── RateLimited       the provider asked us to wait ``retry_after`` seconds
          │    └── MaybeSent         no answer (a time-out): it may have gone, check before resending
          └── PermanentChannelError  this message will never be accepted: do not retry it
               └── Unreachable       nor will anything else to this recipient on this channel
"""

from __future__ import annotations

from datetime import timedelta

__all__ = [
    "AccessDenied",
    "AccountError",
    "ActionRefused",
    "BroadcastNotFound",
    "ChannelError",
    "ConcernNotFound",
    "ConfigError",
    "ContentError",
    "CsrfRefused",
    "FamsbotError",
    "FlowError",
    "NotStored",
    "LoginRefused",
    "LoginRequired",
    "MaybeSent",
    "NotFound",
    "PasswordChangeRequired",
    "PermanentChannelError",
    "RateLimited",
    "TransientChannelError",
    "Unreachable",
]


class FamsbotError(Exception):
    """Base of every error famsbot raises on purpose."""


class ConfigError(FamsbotError):
    """The configuration is unsafe or incomplete for the way the service is being run."""


class ContentError(FamsbotError):
    """Content (prison facts, texts) failed validation; the message lists every problem."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("\n".join(problems))


class FlowError(FamsbotError):
    """A flow is defined in a way that cannot work, such as a state with no step."""


class NotStored(FamsbotError):
    """The message's turn is not in the database; a provider that retries (Telegram) should."""


class AccessDenied(FamsbotError):
    """A staff member asked for something their role or prison does not allow."""


class LoginRequired(AccessDenied):
    """No live session: sign in (again)."""


class LoginRefused(AccessDenied):
    """The login failed; ``retry_after`` is set when it was refused because of too many failures."""

    def __init__(self, retry_after: timedelta | None = None) -> None:
        self.retry_after = retry_after
        super().__init__("too many attempts" if retry_after else "wrong email or password")


class PasswordChangeRequired(AccessDenied):
    """Signed in with an admin's one-time code: nothing else until a new password is chosen."""


class CsrfRefused(AccessDenied):
    """A state-changing request without the right CSRF token."""


class NotFound(AccessDenied):
    """Nothing here that this member of staff may see."""


class ConcernNotFound(NotFound):
    """No such concern, or not one this member of staff may see (deliberately indistinguishable)."""


class BroadcastNotFound(NotFound):
    """No such broadcast, or another prison's: PACT staff do not learn what other prisons sent."""


class ActionRefused(FamsbotError):
    """The action cannot be done in this state or with this input; the message is for the member of staff.

    ``field`` names the form field at fault, when one is, so the console shows the message beside it.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class AccountError(FamsbotError):
    """A staff account cannot be created or changed as asked; the message says why."""


class ChannelError(FamsbotError):
    """Sending through a channel failed."""


class TransientChannelError(ChannelError):
    """The send may work if tried again later."""


class RateLimited(TransientChannelError):
    """The provider asked us to slow down; this is never counted as a failure."""

    def __init__(self, retry_after: float, message: str = "rate limited") -> None:
        self.retry_after = retry_after
        super().__init__(f"{message} (retry after {retry_after:g}s)")


class MaybeSent(TransientChannelError):
    """The request went out but no answer came back (a time-out, a dropped connection): the provider
    may have accepted it. Delivery asks the provider before sending again, where it can
    (``famsbot.delivery.ambiguous``), rather than retrying blind and sending twice."""


class PermanentChannelError(ChannelError):
    """The send will never work: do not retry this message."""


class Unreachable(PermanentChannelError):
    """The provider says this recipient cannot be reached on this channel (blocked bot, no such number):
    the contact is marked ``unreachable_at``. Other permanent errors are about the message itself."""
