"""chatkit-bff: the plain, typed code behind the web layer, grouped by concern.

Dependencies point one way. The web layer (`app.py`, `blueprints/`) uses `services` (the
composition root that builds every long-lived object from the settings), which uses the feature
packages (`auth`, `chat_sessions`, `threads`, `rendering`, `policy`, `admin`), which use the
base: `settings`, `csp`, `errors`, `identity`, `redis_keys` and the ChatKit client in `upstream`.
Nothing here imports Flask's request, a blueprint or the emulator.
"""
