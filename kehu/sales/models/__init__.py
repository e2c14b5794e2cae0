"""The sales records: products and deals, quotes, contracts and payment collection."""

from kehu.sales.models.contracts import (
    ZERO,
    Contract,
    ContractFile,
    ContractStatus,
    ContractVersion,
    PaymentMethod,
    PaymentPlan,
    Receipt,
)
from kehu.sales.models.deals import (
    Deal,
    DealLine,
    Pipeline,
    Product,
    Stage,
    StageChange,
    StageKind,
)
from kehu.sales.models.quotes import Quote, QuoteLine, QuoteStatus, QuoteVersion

__all__ = [
    "ZERO",
    "Contract",
    "ContractFile",
    "ContractStatus",
    "ContractVersion",
    "Deal",
    "DealLine",
    "PaymentMethod",
    "PaymentPlan",
    "Pipeline",
    "Product",
    "Quote",
    "QuoteLine",
    "QuoteStatus",
    "QuoteVersion",
    "Receipt",
    "Stage",
    "StageChange",
    "StageKind",
]
