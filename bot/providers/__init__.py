"""The coordinators' side of the provider survey: invitations, the review of submitted entries
in Telegram, and the word to the provider once their entry is decided."""
