"""Per-user workflow state variables: verified claims through a configured mapping, then policy."""

from __future__ import annotations

from collections.abc import Mapping

from chatkit_bff.errors import InvalidRequest
from chatkit_bff.identity import Identity
from chatkit_bff.policy.model import StateValue, check_state_variables


def state_variables_for(
    identity: Identity,
    policy_variables: Mapping[str, StateValue],
    claim_map: Mapping[str, str],
) -> dict[str, StateValue]:
    """Claims named in the mapping become variables; values the admin set in the policy win."""
    variables: dict[str, StateValue] = {}
    for claim, variable in claim_map.items():
        value = identity.claims.get(claim)
        if isinstance(value, str | int | float | bool):
            variables[variable] = value
    variables.update(policy_variables)
    errors: dict[str, str] = {}
    check_state_variables(variables, errors)
    if errors:
        raise InvalidRequest("The workflow state variables are out of bounds.", fields=errors)
    return variables
