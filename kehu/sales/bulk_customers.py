"""The customer lookup and error keys that the deal and contract batch writers share.

A row names its customer by name or credit code among the customers the importer may change.
A customer outside that set reads exactly like a missing one, so a rep learns nothing about
other reps' customers from the messages.
"""

import dataclasses
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from kehu.customers.normalize import name_key
from kehu.customers.queries import writable_customers
from kehu.org.models import User


@dataclasses.dataclass
class CustomerLookup:
    """The writable customers a batch names, by name key and by credit code."""

    by_name: dict[str, list[int]]
    by_code: dict[str, list[int]]

    @classmethod
    def load(
        cls, actor: User, names: Iterable[str], credit_codes: Iterable[str]
    ) -> "CustomerLookup":
        keys = {name_key(name) for name in names if name}
        codes = {code.strip().upper() for code in credit_codes if code}
        by_name: dict[str, list[int]] = {}
        by_code: dict[str, list[int]] = {}

        writable = writable_customers(actor)
        for pk, key in writable.filter(name_key__in=keys).values_list("pk", "name_key"):
            by_name.setdefault(key, []).append(pk)
        for pk, code in writable.filter(credit_code__in=codes).values_list("pk", "credit_code"):
            by_code.setdefault(code, []).append(pk)
        return cls(by_name, by_code)

    def find(
        self,
        customer_name: str,
        credit_code: str,
        errors: list[tuple[str, str]],
        missing_message: str,
    ) -> int | None:
        """Return the id of the row's customer, or None with the reason added to `errors`.

        The credit code wins over the name. `missing_message` is the error of a row that names
        no customer at all.
        """
        found: list[int] = []
        if credit_code:
            found = self.by_code.get(credit_code.strip().upper(), [])
            if not found:
                errors.append(
                    (
                        "customer.credit_code",
                        _(
                            "No customer with the credit code “%(code)s” is among those you "
                            "may change."
                        )
                        % {"code": credit_code},
                    )
                )
                return None
        elif customer_name:
            found = self.by_name.get(name_key(customer_name), [])
            if len(found) > 1:
                errors.append(
                    (
                        "customer",
                        _(
                            "%(count)d customers are named “%(name)s”; add a credit code column "
                            "to tell them apart."
                        )
                        % {"count": len(found), "name": customer_name},
                    )
                )
                return None
            if not found:
                errors.append(
                    (
                        "customer",
                        _("No customer named “%(name)s” is among those you may change.")
                        % {"name": customer_name},
                    )
                )
                return None
        else:
            errors.append(("customer", missing_message))
            return None
        return found[0]


def keyed_errors(record: str, error: ValidationError) -> list[tuple[str, str]]:
    """Return a cleaning error's messages keyed "<record>.<field>", as the importer maps them."""
    return [
        (f"{record}.{key}", message)
        for key, messages in error.message_dict.items()
        for message in messages
    ]
