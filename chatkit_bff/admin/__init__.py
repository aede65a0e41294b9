"""What admins do and see: audited actions (`actions`), the audit trail (`audit`) and the
directory of users seen at sign-in (`directory`). May import every feature package and the base.
"""
