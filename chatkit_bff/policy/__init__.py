"""What admins tune: the policy model and its bounds, its Redis store, and the edit form.

Effective policy = built-in < admin defaults < per-user overrides (`model`); `store` keeps the
admin-set layers; `form` maps the admin form's fields to a partial policy and back. May import
the base only.
"""
