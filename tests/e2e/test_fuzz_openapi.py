"""Property-based fuzzing of the whole OpenAPI with schemathesis: no 5xx, and nothing the schema
calls invalid accepted, for every operation, signed in as a commissioning officer (issue 8).

The services' applications run on fresh SQLite stores; NATS is not needed, since HTTP only
records events (publishing is the relay's, later). Examples per operation: ASSURE_FUZZ_EXAMPLES
(default 8, so the suite stays quick; raise it for a longer run).
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis import checks

from assure.gateway import create_app
from assure.security import development_issuer
from assure.services import ALL
from shared.security.identity import Identity, Role
from shared.settings import AssureSettings

pytestmark = pytest.mark.e2e
EXAMPLES = int(os.environ.get("ASSURE_FUZZ_EXAMPLES", "8"))


def _app(data_dir: Path):
    config = AssureSettings(data_dir=data_dir, run_background_jobs=False, auth_required=True)
    apps = {service.name: service.build(config) for service in ALL}
    token = development_issuer(config).issue(Identity("Fuzz Officer",
                                                      Role.COMMISSIONING_OFFICER))
    return create_app(apps, config), token


# Built when the module is collected (schemathesis reads the schema then); removed at exit.
_DATA = Path(tempfile.mkdtemp(prefix="assure-fuzz-"))
atexit.register(shutil.rmtree, _DATA, True)
APP, TOKEN = _app(_DATA)
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_operation_fails_or_accepts_what_its_schema_refuses(case):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {TOKEN}"},
        checks=[checks.not_a_server_error, checks.negative_data_rejection],
        excluded_checks=[checks.status_code_conformance, checks.content_type_conformance,
                         checks.response_schema_conformance,
                         checks.response_headers_conformance, checks.positive_data_acceptance,
                         checks.missing_required_header, checks.unsupported_method,
                         checks.ignored_auth, checks.use_after_free,
                         checks.ensure_resource_availability],
    )
