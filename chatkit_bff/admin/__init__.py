"""What admins do and see: audited actions (`actions`), the audit trail (`audit`), the
directory of users seen at sign-in (`directory`) and erasing a user (`erasure`). May import
every feature package and the base.
"""
