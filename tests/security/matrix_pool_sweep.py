"""The permission matrix's entries for the due-soon list and the sweep preview.

Every signed-in persona opens its own due-soon list, which lists only customers in its reach.
The preview is for pool administrators: the boss and the manager administer every pool through
the "manage pools" capability, and the rep and the agent get a 403.
"""

from tests.security.matrix import Entry, every, expect

POOL_SWEEP_PAGE_ENTRIES = [
    Entry("pool/due/", "web:pool_due", "GET", every("200", "302")),
    Entry(
        "pool/preview/",
        "web:pool_sweep_preview",
        "GET",
        expect("200", "200", "403", "403", "302"),
    ),
]
