"""Signals that org sends to apps above it.

Service functions call their side effects directly, except where the arrow would point upwards:
org may not import the apps that keep per-user credentials (the API's tokens), so those apps
connect to a signal here in their AppConfig.ready.
"""

from django.dispatch import Signal

# Sent by `kehu.org.services.deactivate_user` inside its transaction, with the keyword arguments
# `user` (the deactivated user) and `actor`. Receivers revoke what the user could still sign in
# with; a receiver that raises rolls the deactivation back.
user_deactivated = Signal()

# Sent by `kehu.org.passwords.set_user_password` inside its transaction, with the keyword
# arguments `user` and `actor`. A manager sets a password when the old one may be known to
# someone else, so receivers revoke the credentials that were issued under it.
password_set_by_manager = Signal()
