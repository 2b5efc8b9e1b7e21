"""Credentials: values that cannot be sent, failures of botocore's chain, and what the errors show of them.

Each failure is a :class:`CredentialsError` before any request is sent. It
says which value is wrong (or botocore's reason) and which provider or
profile, never a key, a secret or a token: not in its message, nor in what it
chains, nor in the locals of the frames it passed (tests/renderings.py).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
import respx

import healthimaging_client as hic

from .conftest import DATASTORE_ID, IMAGE_SET_ID, Harness
from .renderings import chained, error_texts

ACCESS_KEY = "AKIDZZCANARYACCESS01"
SECRET_KEY = "ZZCANARY/secret+key/for+tests+only+000000"
SESSION_TOKEN = "ZZCANARYsessionTokenForTestsOnly0000000000"
CANARIES = (ACCESS_KEY, SECRET_KEY, SESSION_TOKEN, "ZZCANARY")


def assert_shows_no_secret(exc: BaseException, *extra: str) -> None:
    leaks = [(c, text[:200]) for text in error_texts(exc) for c in (*CANARIES, *extra) if c in text]
    assert leaks == []
    # Nothing of botocore's or the transport's is chained: at most a value-free summary.
    assert all(isinstance(e, hic.CauseSummary) for e in chained(exc)[1:]), chained(exc)


def call_without_sending(sdk: Harness, client: Any) -> tuple[hic.HealthImagingError, int]:
    """Call an operation against a mock that answers anything; the error, and how many requests went out."""
    with respx.mock(assert_all_called=False) as router:
        route = router.route().mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        with pytest.raises(hic.HealthImagingError) as caught:
            sdk.run(client.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    return caught.value, route.call_count


# --- values that cannot go into a header or a signature ---------------------------------------------

UNSENDABLE = [
    pytest.param(
        "aws_session_token", SESSION_TOKEN + "\n", "session token", "begins or ends with whitespace", id="token-newline"
    ),
    pytest.param(
        "aws_session_token", SESSION_TOKEN + " ", "session token", "begins or ends with whitespace", id="token-space"
    ),
    pytest.param(
        "aws_access_key_id", " " + ACCESS_KEY, "access key id", "begins or ends with whitespace", id="key-space"
    ),
    pytest.param("aws_access_key_id", ACCESS_KEY + "\u00e9", "access key id", "not ASCII", id="key-non-ascii"),
    pytest.param("aws_secret_access_key", SECRET_KEY + "\u2028", "secret access key", "", id="secret-separator"),
    pytest.param(
        "aws_secret_access_key",
        SECRET_KEY[:5] + "\x07" + SECRET_KEY[5:],
        "secret access key",
        "control",
        id="secret-control",
    ),
    pytest.param(
        "aws_session_token",
        SESSION_TOKEN[:5] + " " + SESSION_TOKEN[5:],
        "session token",
        "space",
        id="token-inner-space",
    ),
]
EXPLICIT = {"aws_access_key_id": ACCESS_KEY, "aws_secret_access_key": SECRET_KEY, "aws_session_token": SESSION_TOKEN}


@pytest.mark.parametrize(("argument", "value", "named", "problem"), UNSENDABLE)
def test_an_explicit_value_that_cannot_be_sent_is_refused_at_construction(
    sdk: Harness, argument: str, value: str, named: str, problem: str
) -> None:
    with pytest.raises(hic.CredentialsError) as caught:
        sdk.client(**{**EXPLICIT, argument: value})
    assert f"the AWS {named} (from provider explicit)" in str(caught.value)
    assert problem in str(caught.value)
    assert caught.value.provider == "explicit"
    assert_shows_no_secret(caught.value, value.strip())


ENVIRONMENT = {"aws_access_key_id": "AWS_ACCESS_KEY_ID", "aws_secret_access_key": "AWS_SECRET_ACCESS_KEY"}
ENVIRONMENT["aws_session_token"] = "AWS_SESSION_TOKEN"


@pytest.mark.parametrize(("argument", "value", "named", "problem"), UNSENDABLE)
def test_a_value_from_the_chain_that_cannot_be_sent_is_refused_before_any_request(
    sdk: Harness, monkeypatch: pytest.MonkeyPatch, argument: str, value: str, named: str, problem: str
) -> None:
    for name, given in {**EXPLICIT, argument: value}.items():
        monkeypatch.setenv(ENVIRONMENT[name], given)
    client = sdk.client(aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None)
    error, sent = call_without_sending(sdk, client)
    assert isinstance(error, hic.CredentialsError) and sent == 0
    assert f"the AWS {named} (from provider env)" in str(error) and problem in str(error)
    assert error.provider == "env"
    assert_shows_no_secret(error, value.strip())


def test_good_credentials_pass_the_check(sdk: Harness) -> None:
    """The control: the same values, clean, are sent."""
    error_free = sdk.client(**EXPLICIT)
    with respx.mock() as router:
        route = router.route().mock(return_value=httpx.Response(200, json={"imageSetPropertiesList": []}))
        sdk.run(error_free.list_image_set_versions(DATASTORE_ID, IMAGE_SET_ID))
    assert route.calls[0].request.headers["x-amz-security-token"] == SESSION_TOKEN


# --- failures of botocore's chain: its reason kept, its secrets not -----------------------------------


@pytest.fixture
def aws_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An AWS config file of the test's own, and a home directory without an SSO token cache."""
    monkeypatch.setenv("HOME", str(tmp_path))
    config = tmp_path / "config"
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    return config


def chain_client(sdk: Harness, **kwargs: Any) -> Any:
    return sdk.client(aws_access_key_id=None, aws_secret_access_key=None, aws_session_token=None, **kwargs)


def test_a_credential_process_keeps_its_hint_and_loses_its_secrets(sdk: Harness, aws_config: Path) -> None:
    printed = f"not logged in: run mycorp-login first ({ACCESS_KEY} {SECRET_KEY} {SESSION_TOKEN})"
    aws_config.write_text(f"[default]\ncredential_process = sh -c \"echo '{printed}' >&2; exit 1\"\n")
    error, sent = call_without_sending(sdk, chain_client(sdk))
    assert isinstance(error, hic.CredentialsError) and sent == 0
    assert "CredentialRetrievalError (provider custom-process)" in str(error)
    assert "not logged in: run mycorp-login first" in str(error)
    assert error.provider == "custom-process"
    # The process's output is botocore's exception's message: that exception is neither cause nor context.
    assert error.__context__ is None
    assert_shows_no_secret(error)


def test_refreshed_but_still_expired_credentials_say_so(sdk: Harness, aws_config: Path) -> None:
    output = (
        '{"Version": 1, "AccessKeyId": "' + ACCESS_KEY + '", "SecretAccessKey": "' + SECRET_KEY + '", '
        '"SessionToken": "' + SESSION_TOKEN + '", "Expiration": "2000-01-01T00:00:00Z"}'
    )
    printed = aws_config.with_name("expired.json")
    printed.write_text(output)
    aws_config.write_text(f"[default]\ncredential_process = cat {printed}\n")
    error, sent = call_without_sending(sdk, chain_client(sdk))
    assert isinstance(error, hic.CredentialsError) and sent == 0
    assert "refreshed credentials are still expired" in str(error)
    assert error.provider == "custom-process"
    assert_shows_no_secret(error)


def test_an_sso_profile_without_a_token_names_the_missing_token(sdk: Harness, aws_config: Path) -> None:
    aws_config.write_text(
        "[default]\nsso_start_url = https://example-sso.awsapps.com/start\nsso_region = us-east-1\n"
        "sso_account_id = 123456789012\nsso_role_name = Reader\n"
    )
    error, sent = call_without_sending(sdk, chain_client(sdk))
    assert isinstance(error, hic.CredentialsError) and sent == 0
    assert "SSOTokenLoadError" in str(error)
    assert "Token for https://example-sso.awsapps.com/start does not exist" in str(error)
    assert_shows_no_secret(error)


def test_no_credentials_at_all_says_where_they_can_come_from(sdk: Harness) -> None:
    error, sent = call_without_sending(sdk, chain_client(sdk))
    assert isinstance(error, hic.CredentialsError) and sent == 0
    assert "no AWS credentials found" in str(error)


# --- profiles ------------------------------------------------------------------------------------------


def test_a_profile_that_does_not_exist_is_refused_at_construction(sdk: Harness, aws_config: Path) -> None:
    aws_config.write_text("[profile real]\nregion = eu-west-1\n")
    for kwargs in ({}, {"region_name": None}):
        with pytest.raises(hic.CredentialsError) as caught:
            chain_client(sdk, profile_name="nonexistent", **kwargs)
        assert "'nonexistent'" in str(caught.value) and "not found" in str(caught.value)
    # The control: the profile that exists is taken, and its region with it.
    assert chain_client(sdk, profile_name="real", region_name=None).region_name == "eu-west-1"


def test_a_profile_named_by_the_environment_that_does_not_exist_is_a_credentials_error(
    sdk: Harness, aws_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    aws_config.write_text("[default]\n")
    monkeypatch.setenv("AWS_PROFILE", "nonexistent")
    with pytest.raises(hic.CredentialsError, match=r"ProfileNotFound .*The config profile \(nonexistent\)"):
        chain_client(sdk, region_name=None)  # the region is looked up in the profile at once
    error, sent = call_without_sending(sdk, chain_client(sdk))  # with a region: at the first call
    assert isinstance(error, hic.CredentialsError) and sent == 0
    assert "nonexistent" in str(error)


# --- the scrubbing itself --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("run mycorp-login; profile Prod-Admin-Account", ["run mycorp-login", "Prod-Admin-Account"], []),
        (f"key {ACCESS_KEY} secret {SECRET_KEY}", ["key", "secret"], [ACCESS_KEY, SECRET_KEY]),
        ('{"SessionToken": "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQ"}', ["SessionToken"], ["IQoJb3"]),
        ("file /home/jane/.aws/sso/cache/3b8c7e6f2a9d4e1b0c5a7f8e9d6c4b2a1f0e9d8c.json", ["3b8c7e6f2a9d"], []),
        ("CredentialRetrievalError from custom-process", ["CredentialRetrievalError", "custom-process"], []),
    ],
)
def test_botocore_messages_keep_names_and_lose_what_looks_like_a_key(
    text: str, kept: list[str], gone: list[str]
) -> None:
    from healthimaging_client._signing import scrubbed

    shown = scrubbed(text)
    assert all(word in shown for word in kept), shown
    assert not any(word in shown for word in gone), shown
