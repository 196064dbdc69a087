"""A council identity provider's claims mapped to who someone is in Assure: the token shapes of
Microsoft Entra ID (app roles, groups) and Keycloak (realm roles), and the development issuer."""

from __future__ import annotations

import pytest

from shared.security.claims import ClaimMap, UnmappedIdentity, claim
from shared.security.identity import Identity, Role
from shared.settings import AssureSettings

pytestmark = pytest.mark.unit

# An Entra ID v2 access token for the console's API, with app roles assigned (trimmed).
ENTRA_APP_ROLES = {"iss": "https://login.microsoftonline.com/TENANT/v2.0", "aud": "api://assure",
                   "sub": "AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ", "name": "Jo Officer",
                   "preferred_username": "jo.officer@council.gov.uk",
                   "roles": ["Assure.CommissioningOfficer"]}
ENTRA_MAP = ClaimMap("roles", {"Assure.CommissioningOfficer": "commissioning_officer",
                               "Assure.Auditor": "auditor",
                               "Assure.ProviderUser": "provider_user"},
                     "extn.providerId", "name")

# Groups as object ids, for councils that assign access by security group.
ENTRA_GROUPS = {"sub": "x", "name": "Sam Senior",
                "groups": ["6c3d…-unrelated", "a1b2c3d4-0000-0000-0000-000000000001"]}
GROUPS_MAP = ClaimMap("groups", {"a1b2c3d4-0000-0000-0000-000000000001": "general_manager"})

# A Keycloak access token: realm roles under realm_access, a user attribute mapped to a claim.
KEYCLOAK = {"iss": "https://id.council.gov.uk/realms/council", "sub": "f:1:alex",
            "name": "Alex Manager", "preferred_username": "alex",
            "realm_access": {"roles": ["offline_access", "uma_authorization", "provider_user"]},
            "organisation": "elm-court"}
KEYCLOAK_MAP = ClaimMap("realm_access.roles", {}, "organisation", "name")


def test_entra_app_roles_name_the_role_and_the_display_name_the_person():
    person = ENTRA_MAP.identity(ENTRA_APP_ROLES)
    assert person == Identity(ENTRA_APP_ROLES["sub"], Role.COMMISSIONING_OFFICER,
                              name="Jo Officer")
    assert person.display == "Jo Officer"


def test_entra_group_ids_map_to_roles():
    assert GROUPS_MAP.identity(ENTRA_GROUPS) == Identity("x", Role.GENERAL_MANAGER,
                                                         name="Sam Senior")


def test_keycloak_realm_roles_and_an_organisation_attribute_make_a_provider_user():
    assert KEYCLOAK_MAP.identity(KEYCLOAK) == Identity("f:1:alex", Role.PROVIDER_USER,
                                                       "elm-court", "Alex Manager")


def test_an_entra_directory_extension_names_a_provider_users_organisation():
    shape = {**ENTRA_APP_ROLES, "roles": ["Assure.ProviderUser"], "extn.providerId": "elm-court"}
    assert ENTRA_MAP.identity(shape) == Identity(ENTRA_APP_ROLES["sub"], Role.PROVIDER_USER,
                                                 "elm-court", "Jo Officer")


def test_a_provider_user_without_an_organisation_is_not_signed_in():
    shape = {**KEYCLOAK, "organisation": None}
    with pytest.raises(UnmappedIdentity, match="organisation"):
        KEYCLOAK_MAP.identity(shape)


def test_staff_ignore_an_organisation_claim():
    shape = {**KEYCLOAK, "realm_access": {"roles": ["auditor"]}}
    assert KEYCLOAK_MAP.identity(shape) == Identity("f:1:alex", Role.AUDITOR,
                                                    name="Alex Manager")


def test_roles_the_council_did_not_map_grant_nothing():
    shape = {**ENTRA_APP_ROLES, "roles": ["Directory.Reader", "Assure.Unknown"]}
    with pytest.raises(UnmappedIdentity, match="'roles'"):
        ENTRA_MAP.identity(shape)


def test_someone_in_two_roles_gets_the_one_of_least_reach():
    shape = {**ENTRA_APP_ROLES, "roles": ["Assure.CommissioningOfficer", "Assure.Auditor"]}
    assert ENTRA_MAP.role(shape) is Role.COMMISSIONING_OFFICER
    both = {"realm_access": {"roles": ["administrator", "contract_coordinator"]}}
    assert KEYCLOAK_MAP.role(both) is Role.CONTRACT_COORDINATOR


def test_the_development_issuer_shape_maps_with_the_defaults():
    token = {"sub": "Jo Officer", "role": "provider_user", "provider": "elm-court"}
    assert ClaimMap().identity(token) == Identity("Jo Officer", Role.PROVIDER_USER, "elm-court")


def test_no_subject_is_refused():
    with pytest.raises(UnmappedIdentity, match="'sub'"):
        ClaimMap().identity({"role": "auditor", "name": "Jo Officer"})


def test_a_dotted_path_stops_at_anything_not_an_object():
    assert claim({"a": {"b": ["x"]}}, "a.b") == ["x"]
    assert claim({"a": "text"}, "a.b") is None
    assert claim({}, "realm_access.roles") is None


def test_the_mapping_comes_from_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("ASSURE_AUTH_ROLES_CLAIM", "realm_access.roles")
    monkeypatch.setenv("ASSURE_AUTH_ROLE_MAP", '{"assure-officer": "commissioning_officer"}')
    mapped = ClaimMap.of(AssureSettings())
    assert mapped.identity({"sub": "s", "name": "N",
                            "realm_access": {"roles": ["assure-officer"]}}).role is (
        Role.COMMISSIONING_OFFICER)
