"""ChatKit chat sessions: minting them for signed-in users and caching their client secrets.

The broker (`broker`) decides between the cached secret and a new upstream session under a
single-flight lock; `secret_cache` keeps secrets encrypted (`sealing`) in Redis; `ledger`
remembers what was minted so it can be cancelled; `state_variables` maps verified claims to
workflow state variables. May import `policy` and the base.
"""
