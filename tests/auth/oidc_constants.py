"""How the test suite's relying party is registered at every test provider."""

CLIENT_ID = "chatkit-bff"
CLIENT_SECRET = "chatkit-bff-provider-secret-5d1c"
#: Where Flask's test client says the app lives.
TEST_CLIENT_ORIGIN = "http://localhost"
