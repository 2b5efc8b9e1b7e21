"""Input rules of the datastore, import-job and tag operations: the model's lengths and patterns.

Each :class:`Rule` is named after the service model's shape and holds its
limits and pattern as the model writes them (``tests/test_resource_rules.py``
compares them with the installed model). The model's patterns are unanchored
(Smithy); the SDK matches them against the whole value, which is what they
mean, so nothing stray can reach a path or a body. Problems name the field,
never the value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import cast

import attrs

from .. import models as m
from .validation import Problems, enum_value


@attrs.frozen
class Rule:
    """A string shape of the service model: its length limits and pattern."""

    shape: str
    min_length: int | None
    max_length: int | None
    pattern: str | None
    #: What is matched; the model's own pattern unless a faster equivalent is given.
    regex: re.Pattern[str] | None = attrs.field(default=None)

    def __attrs_post_init__(self) -> None:
        if self.regex is None and self.pattern is not None:
            # Java's \d is ASCII, and so is ours.
            object.__setattr__(self, "regex", re.compile(self.pattern, re.ASCII))

    def check(self, p: Problems, path: str, value: object, *, required: bool = True) -> str | None:
        """Record what is wrong with ``value`` (a string, or None when not required); the value, if a string."""
        if value is None:
            if required:
                p.add(path, "is required")
            return None
        if not isinstance(value, str):
            p.add(path, f"expected a string, got {type(value).__name__}")
            return None
        low, high = self.min_length or 0, self.max_length
        if len(value) < low or (high is not None and len(value) > high):
            limits = f"{low} to {high}" if high is not None else f"at least {low}"
            p.add(path, f"must be {limits} characters (got {len(value)})")
        elif self.regex is not None and not self.regex.fullmatch(value):
            p.add(path, f"must match {self.pattern}")
        elif not value.isascii() and not _encodes(value):
            p.add(path, "must be valid Unicode (it holds a lone surrogate)")
        return value


def _encodes(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


DATASTORE_NAME = Rule("DatastoreName", 1, 256, r"[A-Za-z0-9._/#-]+")
CLIENT_TOKEN = Rule("ClientToken", 1, 64, r"[A-Za-z0-9._-]+")
TAG_KEY = Rule("TagKey", 1, 128, r"(?!aws:)[a-zA-Z+-=._:/]+")
TAG_VALUE = Rule("TagValue", 0, 256, None)
KMS_KEY_ARN = Rule(
    "KmsKeyArn",
    1,
    512,
    r"arn:aws[a-zA-Z-]{0,16}:kms:[a-z]{2}(-[a-z]{1,16}){1,3}-\d{1}:\d{12}:((key/[a-fA-F0-9]{8}-[a-fA-F0-9]{4}"
    r"-[a-fA-F0-9]{4}-[a-fA-F0-9]{4}-[a-fA-F0-9]{12})|(alias/[a-zA-Z0-9:/_-]{1,256}))",
)
LAMBDA_ARN = Rule(
    "LambdaArn",
    None,
    None,
    r"arn:(aws[a-zA-Z-]*)?:lambda:[a-z]{2}((-gov)|(-iso(b?)))?-[a-z]+-\d{1}:\d{12}:function:[a-zA-Z0-9-_]+"
    r"(:(\$LATEST|[a-zA-Z0-9-_]+))?",
)
ROLE_ARN = Rule("RoleArn", 20, 2048, r"arn:aws(-[^:]+)?:iam::[0-9]{12}:role/.+")
S3_URI = Rule("S3Uri", 1, 1024, r"s3://[a-z0-9][\.\-a-z0-9]{1,61}[a-z0-9](/.*)?")
ACCOUNT_ID = Rule("AwsAccountId", 12, 12, r"\d+")
JOB_ID = Rule("JobId", 1, 32, r"[0-9a-z]+")
JOB_NAME = Rule("JobName", 1, 64, r"[A-Za-z0-9._/#-]+")
RESOURCE_ARN = Rule(
    "Arn",
    None,
    None,
    r"arn:aws((-us-gov)|(-iso)|(-iso-b)|(-cn))?:medical-imaging:[a-z0-9-]+:[0-9]{12}:datastore/[0-9a-z]{32}"
    r"(/imageset/[0-9a-z]{32})?",
)
STUDY_INSTANCE_UID = Rule("DICOMStudyInstanceUID", 0, 512, r"[0-9.]+")
SERIES_INSTANCE_UID = Rule("DICOMSeriesInstanceUID", 0, 512, r"[0-9.]+")
# The model's pattern nests quantifiers, which backtracks for ages on a long near-miss. It says: printable
# ASCII, spaces allowed inside but not at either end. The regex below says the same, in linear time.
METADATA_FILE_PATH = Rule(
    "MetadataFilePath",
    1,
    1024,
    r"[a-zA-Z0-9!-~]+([a-zA-Z0-9!-~ ]*[a-zA-Z0-9!-~]+)*",
    regex=re.compile(r"[!-~](?:[ -~]*[!-~])?"),
)

#: Every rule, for the test that holds them to the installed model.
RULES = (
    DATASTORE_NAME,
    CLIENT_TOKEN,
    TAG_KEY,
    TAG_VALUE,
    KMS_KEY_ARN,
    LAMBDA_ARN,
    ROLE_ARN,
    S3_URI,
    ACCOUNT_ID,
    JOB_ID,
    JOB_NAME,
    RESOURCE_ARN,
    STUDY_INSTANCE_UID,
    SERIES_INSTANCE_UID,
    METADATA_FILE_PATH,
)

MAX_TAG_KEYS = 200
MAX_METADATA_MAPPINGS = 1000


def tags(p: Problems, path: str, value: object, *, required: bool) -> None:
    """A tag map: keys by TagKey (no ``aws:`` prefix), values by TagValue."""
    if value is None:
        if required:
            p.add(path, "is required")
        return
    if not isinstance(value, Mapping):
        p.add(path, f"expected a mapping of tag keys to values, got {type(value).__name__}")
        return
    # Problems name a tag by its position: keys and values are the user's, and may say too much.
    for i, (key, tag_value) in enumerate(cast(Mapping[object, object], value).items()):
        TAG_KEY.check(p, f"{path}[{i}].key", key)
        TAG_VALUE.check(p, f"{path}[{i}].value", tag_value)


def tag_keys(p: Problems, path: str, value: object) -> list[str]:
    """The keys of tags to remove: a list of up to 200 TagKeys."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence):
        p.add(path, "expected a list of tag keys")
        return []
    keys = cast(Sequence[object], value)
    if len(keys) > MAX_TAG_KEYS:
        p.add(path, f"must hold at most {MAX_TAG_KEYS} keys (got {len(keys)})")
    checked = (TAG_KEY.check(p, f"{path}[{i}]", key) for i, key in enumerate(keys))
    return [key for key in checked if key is not None]


def optional_enum(p: Problems, path: str, value: object, enum_cls: type[m.DatastoreStatus | m.JobStatus]) -> None:
    """A status filter or another enum member, when given."""
    if value is not None:
        enum_value(p, path, value, enum_cls)


def import_configuration(p: Problems, path: str, value: object) -> None:
    """An ImportConfiguration union: its one member set, with 1 to 1,000 valid mappings."""
    if value is None:
        return
    if not isinstance(value, m.ImportConfiguration):
        p.add(path, f"expected ImportConfiguration, got {type(value).__name__}")
        return
    json_config = value.dicom_json_metadata_import_configuration
    where = f"{path}.dicom_json_metadata_import_configuration"
    if json_config is None:
        p.add(path, "set its member dicom_json_metadata_import_configuration")
        return
    if not isinstance(json_config, m.DicomJsonMetadataImportConfiguration):  # pyright: ignore[reportUnnecessaryIsInstance]
        p.add(where, f"expected DicomJsonMetadataImportConfiguration, got {type(json_config).__name__}")
        return
    mappings = json_config.dicom_metadata_mappings
    if not 1 <= len(mappings) <= MAX_METADATA_MAPPINGS:
        p.add(f"{where}.dicom_metadata_mappings", f"must hold 1 to {MAX_METADATA_MAPPINGS:,} mappings")
    for i, mapping in enumerate(mappings):
        item = f"{where}.dicom_metadata_mappings[{i}]"
        if not isinstance(mapping, m.DicomMetadataMapping):  # pyright: ignore[reportUnnecessaryIsInstance]
            p.add(item, f"expected DicomMetadataMapping, got {type(mapping).__name__}")
            continue
        STUDY_INSTANCE_UID.check(p, f"{item}.study_instance_uid", mapping.study_instance_uid)
        SERIES_INSTANCE_UID.check(p, f"{item}.series_instance_uid", mapping.series_instance_uid, required=False)
        METADATA_FILE_PATH.check(p, f"{item}.metadata_file_path", mapping.metadata_file_path)
