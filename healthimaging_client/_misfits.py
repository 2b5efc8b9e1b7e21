"""Calls that do not fit a public signature: a ``TypeError`` that names the public callable and what was meant.

Python names the function that refused the arguments, which for a derived
method or the shared constructor is not the name the user called. These
errors name ``Client()`` or ``search_image_sets()`` instead, and point from
boto3's spellings (``region``, ``datastoreId``, ``searchCriteria``) to ours.
Only argument names are quoted: values can be keys or patient data.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable, Collection, Iterable, Mapping

#: boto3's and botocore's names for what a client's constructor or methods take under another name.
BOTO3_SPELLINGS: Mapping[str, str] = {
    "region": "region_name",
    "aws_region": "region_name",
    "aws_region_name": "region_name",
    "endpoint": "endpoint_url",
    "url": "endpoint_url",
    "base_url": "endpoint_url",
    "profile": "profile_name",
    "aws_profile": "profile_name",
    "access_key": "aws_access_key_id",
    "access_key_id": "aws_access_key_id",
    "aws_access_key": "aws_access_key_id",
    "secret_key": "aws_secret_access_key",
    "secret_access_key": "aws_secret_access_key",
    "aws_secret_key": "aws_secret_access_key",
    "token": "aws_session_token",
    "session_token": "aws_session_token",
    "aws_security_token": "aws_session_token",
    "session": "botocore_session",
    "use_fips": "use_fips_endpoint",
    "use_dualstack": "use_dualstack_endpoint",
    "retries": "retry",
    "max_attempts": "retry (RetryConfig(max_attempts=...))",
    "config": "retry, timeout and limits (there is no botocore Config)",
    "verify": "http_client (an httpx client made with verify=...)",
    "use_ssl": "endpoint_url (an http:// or https:// URL)",
    "service_name": "nothing: the client is for medical-imaging",
    "searchCriteria": "filters and sort",
    "updateImageSetMetadataUpdates": "updates or revert_to_version_id",
    "copyImageSetInformation": (
        "source_latest_version_id, copiable_attributes, destination_image_set_id and destination_latest_version_id"
    ),
    "PaginationConfig": "page_size, max_items and starting_token",
}

_CAMEL_WORD = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def _snake(name: str) -> str:
    """``datastoreId`` -> ``datastore_id``; ``DICOMUpdates`` -> ``dicom_updates``."""
    return _CAMEL_WORD.sub("_", name).lower()


def suggestion(name: str, parameters: Collection[str]) -> str | None:
    """What ``name`` most likely meant: boto3's spelling, its snake_case, or the closest parameter."""
    if name in BOTO3_SPELLINGS:
        return BOTO3_SPELLINGS[name]
    if _snake(name) in parameters:
        return _snake(name)
    close = difflib.get_close_matches(name, list(parameters), n=1, cutoff=0.75)
    return close[0] if close else None


def unexpected_keywords(public: str, names: Iterable[str], parameters: Collection[str]) -> str | None:
    """The message for keyword arguments ``public`` does not take, with what each most likely meant; None if none."""
    unknown = [name for name in names if name not in parameters]
    if not unknown:
        return None
    parts: list[str] = []
    for name in unknown:
        meant = suggestion(name, parameters)
        parts.append(f"{name!r}" + (f" (did you mean {meant}?)" if meant else ""))
    noun = "argument" if len(unknown) == 1 else "arguments"
    return f"{public}() got an unexpected keyword {noun} {', '.join(parts)}"


def misfit(
    public: str, definition: Callable[..., object], args: tuple[object, ...], kwargs: Mapping[str, object]
) -> TypeError | None:
    """The error for arguments that do not fit ``definition``'s signature, by ``public`` name; None if they fit."""
    signature = inspect.signature(definition)
    parameters = [name for name in signature.parameters if name != "self"]
    message = unexpected_keywords(public, kwargs, parameters)
    if message is None:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            message = f"{public}(): {exc}"
        else:
            return None
    return TypeError(message)
