"""Real stand-ins at the network edge, shared by the tests and the benchmarks.

Loopback servers and a private Redis (`servers`), a driver for the ChatKit emulator's control
API (`emulator`), generated thread items in the emulator's seed format (`items`), a real
OpenID Connect provider (`oidc_provider`) and panva's certified one, run by node
(`panva_provider`). Never imported by the product.
"""
