"""The emulator's semantics, driven through both clients in-process (and raw signed requests where the SDK
would refuse to send the input)."""

from __future__ import annotations

import asyncio
import gzip
import json
import subprocess
import sys
import time
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

import healthimaging_client as hic
from healthimaging_client.testing import FakeClock, LocalHealthImaging

from .conftest import Harness

SV = hic.SearchByAttributeValue
FAST = hic.RetryConfig(base_delay=0.001, max_delay=0.002)
NOW = 1_750_000_000.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def local(clock: FakeClock) -> LocalHealthImaging:
    return LocalHealthImaging(seed=7, clock=clock)


class Api:
    """One client of the harness's kind, wired to the emulator; every method returns its result."""

    def __init__(self, sdk: Harness, local: LocalHealthImaging) -> None:
        self.sdk = sdk
        self.local = local
        self.ds = local.datastore_id
        self.client = local.async_client(retry=FAST) if sdk.kind == "async" else local.client(retry=FAST)
        sdk.clients.append(self.client)

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.client, name)
        if name.startswith("iter_"):
            return lambda *a, **k: self.sdk.collect(method(self.ds, *a, **k))
        return lambda *a, **k: self.sdk.run(method(self.ds, *a, **k))


@pytest.fixture
def api(sdk: Harness, local: LocalHealthImaging) -> Api:
    return Api(sdk, local)


def equal(**member: Any) -> hic.SearchFilter:
    return hic.SearchFilter(values=[SV(**member)], operator="EQUAL")


def between(low: SV, high: SV) -> hic.SearchFilter:
    return hic.SearchFilter(values=[low, high], operator="BETWEEN")


def ids(summaries: list[hic.ImageSetsMetadataSummary]) -> list[str]:
    return [s.image_set_id for s in summaries]


def updates(**documents: Any) -> hic.DICOMUpdates:
    return hic.DICOMUpdates(**{k: {"SchemaVersion": 1.1, **v} for k, v in documents.items()})


def settle(api: Api, image_set_id: str) -> str:
    """The latest version id, after the (immediate) workflow has ended."""
    versions = api.list_image_set_versions(image_set_id).image_set_properties_list
    assert versions[0].image_set_state == hic.ImageSetState.ACTIVE
    return versions[0].version_id


# --- search ----------------------------------------------------------------------------------


def test_search_by_patient_returns_the_documents_tags(api: Api, local: LocalHealthImaging) -> None:
    mine = local.add_image_set(
        patient={"PatientID": "SYN-1", "PatientName": "DOE^JANE", "PatientSex": "F"},
        study={"AccessionNumber": "A1", "StudyDate": "20240102", "StudyTime": "101500"},
        series=[{"Modality": "CT", "BodyPartExamined": "CHEST", "SeriesNumber": 3}, {"Modality": "CT"}],
        instances=2,
    )
    local.add_image_set(patient={"PatientID": "SYN-2"})
    found = api.search_image_sets(filters=[equal(dicom_patient_id="SYN-1")]).image_sets_metadata_summaries
    assert ids(found) == [mine]
    tags = found[0].dicom_tags
    assert (tags.dicom_patient_name, tags.dicom_patient_sex, tags.dicom_accession_number) == ("DOE^JANE", "F", "A1")
    assert (tags.dicom_series_modality, tags.dicom_series_body_part, tags.dicom_series_number) == ("CT", "CHEST", 3)
    assert (tags.dicom_number_of_study_related_series, tags.dicom_number_of_study_related_instances) == (2, 4)
    document = api.get_image_set_metadata(mine)
    assert tags.dicom_study_instance_uid == document["Study"]["DICOM"]["StudyInstanceUID"]
    assert found[0].version == 1 and found[0].is_primary is True


@pytest.mark.parametrize(
    "member",
    [
        "dicom_patient_id",
        "dicom_accession_number",
        "dicom_study_id",
        "dicom_study_instance_uid",
        "dicom_series_instance_uid",
    ],
)
def test_equal_matches_each_dicom_attribute(api: Api, local: LocalHealthImaging, member: str) -> None:
    _first, second = local.seed_image_sets(2)
    document = api.get_image_set_metadata(second)
    value = {
        "dicom_patient_id": document["Patient"]["DICOM"]["PatientID"],
        "dicom_accession_number": document["Study"]["DICOM"]["AccessionNumber"],
        "dicom_study_id": document["Study"]["DICOM"]["StudyID"],
        "dicom_study_instance_uid": document["Study"]["DICOM"]["StudyInstanceUID"],
        "dicom_series_instance_uid": list(document["Study"]["Series"])[-1],
    }[member]
    found = api.search_image_sets(filters=[equal(**{member: value})]).image_sets_metadata_summaries
    assert ids(found) == [second]


def test_equal_and_between_on_timestamps_and_is_primary(api: Api, local: LocalHealthImaging) -> None:
    old = local.add_image_set(created_at=NOW - 100)
    new = local.add_image_set(created_at=NOW)
    copy = local.add_image_set(created_at=NOW - 50, is_primary=False)
    at = datetime.fromtimestamp(NOW - 100, tz=UTC)
    assert ids(api.search_image_sets(filters=[equal(created_at=at)]).image_sets_metadata_summaries) == [old]
    window = between(
        SV(created_at=datetime.fromtimestamp(NOW - 60, UTC)), SV(created_at=datetime.fromtimestamp(NOW, UTC))
    )
    assert set(ids(api.search_image_sets(filters=[window]).image_sets_metadata_summaries)) == {new, copy}
    primary_in_window = api.search_image_sets(filters=[window, equal(is_primary=True)])
    assert ids(primary_in_window.image_sets_metadata_summaries) == [new]
    updated = between(
        SV(updated_at=datetime.fromtimestamp(NOW - 10, UTC)), SV(updated_at=datetime.fromtimestamp(NOW + 1, UTC))
    )
    assert ids(api.search_image_sets(filters=[updated]).image_sets_metadata_summaries) == [new]


def test_between_study_date_and_time(api: Api, local: LocalHealthImaging) -> None:
    def at(date: str, time: str) -> str:
        return local.add_image_set(study={"StudyDate": date, "StudyTime": time})

    early, noon, late, next_day = (
        at("20240301", "080000"),
        at("20240301", "120000"),
        at("20240301", "235900"),
        at("20240302", "000000"),
    )
    DT = hic.DICOMStudyDateAndTime
    whole_day = between(
        SV(dicom_study_date_and_time=DT(dicom_study_date="20240301")),
        SV(dicom_study_date_and_time=DT(dicom_study_date="20240301")),
    )
    assert set(ids(api.search_image_sets(filters=[whole_day]).image_sets_metadata_summaries)) == {early, noon, late}
    morning = between(
        SV(dicom_study_date_and_time=DT(dicom_study_date="20240301", dicom_study_time="070000")),
        SV(dicom_study_date_and_time=DT(dicom_study_date="20240301", dicom_study_time="120000")),
    )
    assert set(ids(api.search_image_sets(filters=[morning]).image_sets_metadata_summaries)) == {early, noon}
    exact = equal(dicom_study_date_and_time=DT(dicom_study_date="20240302"))
    assert ids(api.search_image_sets(filters=[exact]).image_sets_metadata_summaries) == [next_day]


def test_between_on_strings_is_an_inclusive_range(api: Api, local: LocalHealthImaging) -> None:
    made = {n: local.add_image_set(study={"AccessionNumber": f"ACC{n}"}) for n in range(1, 6)}
    window = between(SV(dicom_accession_number="ACC2"), SV(dicom_accession_number="ACC4"))
    assert set(ids(api.search_image_sets(filters=[window]).image_sets_metadata_summaries)) == {
        made[2],
        made[3],
        made[4],
    }


@pytest.mark.parametrize("field", list(hic.SortField))
@pytest.mark.parametrize("order", list(hic.SortOrder))
def test_every_sort_field_and_order(
    api: Api, local: LocalHealthImaging, clock: FakeClock, field: hic.SortField, order: hic.SortOrder
) -> None:
    made = local.seed_image_sets(6)
    clock.advance(10)
    api.update_image_set_metadata(
        made[2], latest_version_id=1, updates=updates(updatable_attributes={"Patient": {"DICOM": {"PatientSex": "O"}}})
    )
    found = api.search_image_sets(sort=hic.Sort(sort_field=field, sort_order=order))
    key = {
        hic.SortField.CREATED_AT: lambda s: s.created_at,
        hic.SortField.UPDATED_AT: lambda s: s.updated_at,
        hic.SortField.DICOM_STUDY_DATE_AND_TIME: lambda s: (
            s.dicom_tags.dicom_study_date + s.dicom_tags.dicom_study_time
        ),
    }[field]
    summaries = found.image_sets_metadata_summaries
    values = [key(s) for s in summaries]
    assert values == sorted(values, reverse=order == hic.SortOrder.DESC)
    assert len(set(values)) > 1
    assert found.sort == hic.Sort(sort_field=field, sort_order=order)


def test_default_order_is_updated_at_descending(api: Api, local: LocalHealthImaging, clock: FakeClock) -> None:
    first, second, third = local.seed_image_sets(3)
    clock.advance(5)
    api.update_image_set_metadata(
        first, latest_version_id=1, updates=updates(updatable_attributes={"Patient": {"DICOM": {"PatientSex": "O"}}})
    )
    assert ids(api.search_image_sets().image_sets_metadata_summaries) == [first, third, second]


def test_pagination_over_several_pages_with_base64_tokens(api: Api, local: LocalHealthImaging) -> None:
    made = local.seed_image_sets(7)
    pages = api.iter_image_set_pages(page_size=3)
    assert [len(p.items) for p in pages] == [3, 3, 1]
    everything = api.iter_image_sets(page_size=3)
    assert sorted(ids(everything)) == sorted(made)
    token = api.search_image_sets(max_results=3).next_token
    assert token is not None and {"+", "/", "="} <= set(token)
    rest = api.search_image_sets(max_results=3, next_token=token).image_sets_metadata_summaries
    assert not set(ids(rest)) & set(ids(api.search_image_sets(max_results=3).image_sets_metadata_summaries))


def test_a_token_only_continues_its_own_search(api: Api, local: LocalHealthImaging) -> None:
    local.seed_image_sets(4)
    token = api.search_image_sets(max_results=2).next_token
    assert len(api.search_image_sets(max_results=1, next_token=token).image_sets_metadata_summaries) == 1
    with pytest.raises(hic.ValidationException):
        api.search_image_sets(filters=[equal(is_primary=True)], max_results=2, next_token=token)
    with pytest.raises(hic.ValidationException):
        api.search_image_sets(max_results=2, next_token="bm90IGEgdG9rZW4=")


def test_seeded_data_is_deterministic() -> None:
    def snapshot(seed: int) -> list[Any]:
        local = LocalHealthImaging(seed=seed, image_sets=3, clock=lambda: NOW)
        with local.client() as client:
            return [
                (s.image_set_id, client.get_image_set_metadata(local.datastore_id, s.image_set_id).to_dict())
                for s in client.iter_image_sets(local.datastore_id)
            ]

    assert snapshot(1) == snapshot(1)
    assert snapshot(1) != snapshot(2)


# --- versions, updates and reverts ------------------------------------------------------------


def test_update_then_revert_lists_versions_newest_first(api: Api, local: LocalHealthImaging) -> None:
    (image_set,) = local.seed_image_sets(1)
    before = api.get_image_set_metadata(image_set)["Patient"]["DICOM"]
    out = api.update_image_set_metadata(
        image_set,
        latest_version_id=1,
        updates=updates(updatable_attributes={"Patient": {"DICOM": {"PatientName": "ROE^SAM"}}}),
    )
    assert (out.latest_version_id, out.image_set_state, out.image_set_workflow_status) == ("2", "LOCKED", "UPDATING")
    assert api.get_image_set_metadata(image_set)["Patient"]["DICOM"]["PatientName"] == "ROE^SAM"
    assert api.get_image_set_metadata(image_set, version_id=1)["Patient"]["DICOM"] == before
    api.update_image_set_metadata(image_set, latest_version_id=2, revert_to_version_id=1)
    assert api.get_image_set_metadata(image_set)["Patient"]["DICOM"] == before
    versions = api.iter_image_set_versions(image_set, page_size=2)
    assert [v.version_id for v in versions] == ["3", "2", "1"]
    assert [v.image_set_workflow_status for v in versions] == ["UPDATED", "UPDATED", "IMPORTED"]
    with pytest.raises(hic.ResourceNotFoundException):
        api.get_image_set_metadata(image_set, version_id=9)


def test_stale_latest_version_is_a_conflict(api: Api, local: LocalHealthImaging) -> None:
    (image_set,) = local.seed_image_sets(1)
    change = updates(updatable_attributes={"Study": {"DICOM": {"StudyDescription": "X"}}})
    api.update_image_set_metadata(image_set, latest_version_id=1, updates=change)
    with pytest.raises(hic.ConflictException) as caught:
        api.update_image_set_metadata(image_set, latest_version_id=1, updates=change)
    assert caught.value.status_code == 409 and caught.value.request_id


def test_state_clears_after_the_configured_delay(api: Api, local: LocalHealthImaging, clock: FakeClock) -> None:
    (image_set,) = local.seed_image_sets(1)
    local.state_delay = 30
    change = updates(updatable_attributes={"Study": {"DICOM": {"StudyDescription": "X"}}})
    api.update_image_set_metadata(image_set, latest_version_id=1, updates=change)
    clock.advance(29)
    latest = api.list_image_set_versions(image_set).image_set_properties_list[0]
    assert (latest.image_set_state, latest.image_set_workflow_status) == ("LOCKED", "UPDATING")
    with pytest.raises(hic.ConflictException):
        api.update_image_set_metadata(image_set, latest_version_id=2, updates=change)
    clock.advance(1)
    latest = api.list_image_set_versions(image_set).image_set_properties_list[0]
    assert (latest.image_set_state, latest.image_set_workflow_status) == ("ACTIVE", "UPDATED")
    api.update_image_set_metadata(image_set, latest_version_id=2, updates=change)


def test_removal_must_repeat_the_current_value(api: Api, local: LocalHealthImaging) -> None:
    image_set = local.add_image_set(study={"StudyDescription": "CHEST"})
    with pytest.raises(hic.ValidationException):
        api.update_image_set_metadata(
            image_set,
            latest_version_id=1,
            updates=updates(removable_attributes={"Study": {"DICOM": {"StudyDescription": "HEAD"}}}),
        )
    api.update_image_set_metadata(
        image_set,
        latest_version_id=1,
        updates=updates(removable_attributes={"Study": {"DICOM": {"StudyDescription": "CHEST"}}}),
    )
    assert "StudyDescription" not in api.get_image_set_metadata(image_set)["Study"]["DICOM"]


def test_identifying_attributes_and_instance_removal_need_force(api: Api, local: LocalHealthImaging) -> None:
    image_set = local.add_image_set(instances=2)
    series_uid, series = next(iter(api.get_image_set_metadata(image_set)["Study"]["Series"].items()))
    sop = next(iter(series["Instances"]))
    new_uid = updates(updatable_attributes={"Study": {"DICOM": {"StudyInstanceUID": "2.25.1"}}})
    drop = updates(removable_attributes={"Study": {"Series": {series_uid: {"Instances": {sop: {}}}}}})
    for change in (new_uid, drop):
        with pytest.raises(hic.ValidationException):
            api.update_image_set_metadata(image_set, latest_version_id=1, updates=change)
    api.update_image_set_metadata(image_set, latest_version_id=1, updates=new_uid, force=True)
    api.update_image_set_metadata(image_set, latest_version_id=2, updates=drop, force=True)
    document = api.get_image_set_metadata(image_set)
    assert document["Study"]["DICOM"]["StudyInstanceUID"] == "2.25.1"
    assert (
        list(document["Study"]["Series"][series_uid]["Instances"]) != [sop]
        and len(document["Study"]["Series"][series_uid]["Instances"]) == 1
    )
    assert api.list_image_set_versions(image_set).image_set_properties_list[0].overrides == hic.Overrides(forced=True)


def test_include_study_image_sets_updates_the_whole_study(api: Api, local: LocalHealthImaging) -> None:
    study = {"StudyInstanceUID": "2.25.42", "StudyDescription": "OLD"}
    one, two = local.add_image_set(study=study), local.add_image_set(study=study)
    other = local.add_image_set()
    change = updates(updatable_attributes={"Study": {"DICOM": {"StudyDescription": "NEW"}}})
    api.update_image_set_metadata(one, latest_version_id=1, updates=change, include_study_image_sets=True)
    assert api.get_image_set_metadata(two)["Study"]["DICOM"]["StudyDescription"] == "NEW"
    assert api.list_image_set_versions(two).image_set_properties_list[0].version_id == "2"
    assert api.list_image_set_versions(other).image_set_properties_list[0].version_id == "1"


# --- copies -------------------------------------------------------------------------------------


def test_copy_a_subset_into_a_new_image_set(api: Api, local: LocalHealthImaging) -> None:
    source = local.add_image_set(series=[{"Modality": "CT"}, {"Modality": "MR"}], instances=2)
    series = api.get_image_set_metadata(source)["Study"]["Series"]
    uid = list(series)[1]
    sop = next(iter(series[uid]["Instances"]))
    subset = {"SchemaVersion": "1.1", "Study": {"Series": {uid: {"Instances": {sop: {}}}}}}
    out = api.copy_image_set(source, source_latest_version_id=1, copiable_attributes=subset)
    assert out.source_image_set_properties.image_set_workflow_status == "COPYING_WITH_READ_ONLY_ACCESS"
    new = out.destination_image_set_properties.image_set_id
    copied = api.get_image_set_metadata(new)
    assert copied["ImageSetID"] == new
    assert {k: list(v["Instances"]) for k, v in copied["Study"]["Series"].items()} == {uid: [sop]}
    assert api.list_image_set_versions(new).image_set_properties_list[0].image_set_workflow_status == "COPIED"
    found = api.search_image_sets(filters=[equal(is_primary=False)]).image_sets_metadata_summaries
    assert ids(found) == [new]


def test_copy_into_an_existing_image_set_checks_versions_and_levels(api: Api, local: LocalHealthImaging) -> None:
    patient = {"PatientID": "SYN-9"}
    study = {"StudyInstanceUID": "2.25.7"}
    source = local.add_image_set(patient=patient, study=study, series=[{"SeriesInstanceUID": "2.25.71"}])
    destination = local.add_image_set(patient=patient, study=study, series=[{"SeriesInstanceUID": "2.25.72"}])
    other_patient = local.add_image_set(patient={"PatientID": "SYN-8"})
    with pytest.raises(hic.ConflictException):
        api.copy_image_set(
            source, source_latest_version_id=1, destination_image_set_id=destination, destination_latest_version_id=2
        )
    with pytest.raises(hic.ConflictException):
        api.copy_image_set(
            source, source_latest_version_id=2, destination_image_set_id=destination, destination_latest_version_id=1
        )
    with pytest.raises(hic.ValidationException):
        api.copy_image_set(
            source, source_latest_version_id=1, destination_image_set_id=other_patient, destination_latest_version_id=1
        )
    out = api.copy_image_set(
        source, source_latest_version_id=1, destination_image_set_id=destination, destination_latest_version_id=1
    )
    assert out.destination_image_set_properties.latest_version_id == "2"
    assert set(api.get_image_set_metadata(destination)["Study"]["Series"]) == {"2.25.71", "2.25.72"}
    api.copy_image_set(
        source,
        source_latest_version_id=1,
        destination_image_set_id=other_patient,
        destination_latest_version_id=1,
        force=True,
    )


# --- faults, errors and signatures --------------------------------------------------------------


def test_throttle_hook_is_retried_by_the_client(api: Api, local: LocalHealthImaging) -> None:
    local.seed_image_sets(1)
    local.throttle_next("SearchImageSets", times=2)
    assert len(api.search_image_sets().image_sets_metadata_summaries) == 1
    local.fail_next("SearchImageSets", times=3)
    with pytest.raises(hic.InternalServerException) as caught:
        api.search_image_sets()
    assert caught.value.attempts == 3
    with pytest.raises(ValueError):
        local.fail_next("search_image_sets")
    with pytest.raises(ValueError):
        local.throttle_next(None, times=0)
    local.fail_next("GetImageSetMetadata", status=403, code="AccessDeniedException")
    assert api.search_image_sets().image_sets_metadata_summaries  # other operations are untouched


def test_delay_hook_waits_before_answering(api: Api, local: LocalHealthImaging) -> None:
    local.delay_responses(0.05, operation="SearchImageSets")
    started = time.perf_counter()
    api.search_image_sets()
    assert time.perf_counter() - started >= 0.05
    local.delay_responses(0, operation="SearchImageSets")
    started = time.perf_counter()
    api.search_image_sets()
    assert time.perf_counter() - started < 0.05


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"aws_secret_access_key": "wrong-secret"}, "InvalidSignatureException"),
        ({"aws_access_key_id": "AKIDSOMEONEELSE00000"}, "UnrecognizedClientException"),
        ({"region_name": "eu-west-1"}, "InvalidSignatureException"),
    ],
)
def test_requests_must_be_signed_for_the_emulator(
    sdk: Harness, local: LocalHealthImaging, overrides: dict[str, Any], code: str
) -> None:
    client = local.async_client(**overrides) if sdk.kind == "async" else local.client(**overrides)
    sdk.clients.append(client)
    with pytest.raises(hic.AccessDeniedException) as caught:
        sdk.run(client.search_image_sets(local.datastore_id))
    assert caught.value.code == code and caught.value.status_code == 403


# --- the protocol core, with input the SDK would refuse to send ------------------------------------


def signed(local: LocalHealthImaging, path: str, query: str = "", body: bytes = b"", secret: str | None = None) -> Any:
    """The emulator's raw answer (gzip bytes left as sent) to a request signed by botocore's signer."""
    url = f"{local.endpoint_url}{path}" + (f"?{query}" if query else "")
    request = AWSRequest("POST", url, data=body, headers={"Content-Type": "application/json"} if body else {})
    credentials = Credentials(local.aws_access_key_id, secret or local.aws_secret_access_key)
    SigV4Auth(credentials, "medical-imaging", local.region_name).add_auth(request)
    with httpx.Client(transport=local.transport) as http:
        response = http.send(
            http.build_request("POST", url, headers=dict(request.headers.items()), content=body), stream=True
        )
        response.raw_body = b"".join(response.iter_raw())
        return response


PATIENT = "SYN-PATIENT-VALUE-0042"


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("maxResults=51", b"{}"),
        ("maxResults=0", b"{}"),
        ("", json.dumps({"filters": [{"values": [{"DICOMPatientId": PATIENT}], "operator": "EQUAL"}] * 3}).encode()),
        ("", json.dumps({"filters": [{"values": [{"DICOMPatientId": PATIENT}], "operator": "BETWEEN"}]}).encode()),
        ("", json.dumps({"filters": [{"values": [{"DICOMStudyInstanceUID": PATIENT}], "operator": "EQUAL"}]}).encode()),
        ("", b'{"filters": [{"values": [{"DICOMPatientId": 42}], "operator": "EQUAL"}]}'),
        ("", json.dumps({"sort": {"sortField": PATIENT, "sortOrder": "ASC"}}).encode()),
        ("", b"not json"),
    ],
)
def test_the_core_validates_by_the_sdks_rules(local: LocalHealthImaging, query: str, body: bytes) -> None:
    answer = signed(local, f"/datastore/{local.datastore_id}/searchImageSets", query, body)
    assert answer.status_code == 400
    assert answer.headers["x-amzn-ErrorType"].startswith("ValidationException:")
    assert answer.headers["x-amzn-RequestId"] and json.loads(answer.raw_body)["message"]
    assert PATIENT.encode() not in answer.raw_body and b"42" not in answer.raw_body


def test_the_core_checks_ids_flags_and_blobs(local: LocalHealthImaging) -> None:
    assert signed(local, f"/datastore/{'A' * 32}/searchImageSets", "", b"{}").status_code == 400
    assert signed(local, f"/datastore/{'0' * 32}/searchImageSets", "", b"{}").status_code == 404
    assert signed(local, f"/datastore/{local.datastore_id}/nowhere", "", b"{}").status_code == 404
    update = f"/datastore/{local.datastore_id}/imageSet/{local.seed_image_sets(1)[0]}/updateImageSetMetadata"
    bad_blob = json.dumps({"DICOMUpdates": {"updatableAttributes": "%%%"}}).encode()
    assert signed(local, update, "latestVersion=1", bad_blob).status_code == 400
    assert signed(local, update, "latestVersion=1&force=yes", b'{"revertToVersionId": "1"}').status_code == 400
    assert signed(local, update, "", b'{"revertToVersionId": "1"}').status_code == 400


def test_metadata_is_gzip_compressed_json(local: LocalHealthImaging) -> None:
    (image_set,) = local.seed_image_sets(1)
    path = f"/datastore/{local.datastore_id}/imageSet/{image_set}/getImageSetMetadata"
    answer = signed(local, path)
    assert answer.status_code == 200
    assert (answer.headers["Content-Type"], answer.headers["Content-Encoding"]) == ("application/json", "gzip")
    document = json.loads(gzip.decompress(answer.raw_body))
    assert document["SchemaVersion"] == "1.1" and document["ImageSetID"] == image_set
    assert document["DatastoreID"] == local.datastore_id
    instance = next(iter(next(iter(document["Study"]["Series"].values()))["Instances"].values()))
    assert instance["ImageFrames"][0]["PixelDataChecksumFromBaseToFullResolution"][0]["Width"] > 0
    assert signed(local, path, secret="not-the-secret").status_code == 403


def test_timestamps_round_trip_into_an_equal_search(api: Api, local: LocalHealthImaging, clock: FakeClock) -> None:
    clock.advance(0.123456)
    made = local.add_image_set()
    (found,) = api.search_image_sets().image_sets_metadata_summaries
    for member in ("created_at", "updated_at"):
        value = getattr(found, member)
        assert ids(api.search_image_sets(filters=[equal(**{member: value})]).image_sets_metadata_summaries) == [made]


def test_served_on_loopback_for_the_async_client(local: LocalHealthImaging) -> None:
    made = local.seed_image_sets(3)

    async def scenario(endpoint_url: str) -> list[str]:
        async with hic.AsyncClient(**local.client_config(endpoint_url)) as client:
            return [s.image_set_id async for s in client.iter_image_sets(local.datastore_id, page_size=2)]

    with local.serve() as endpoint_url:
        assert sorted(asyncio.run(scenario(endpoint_url))) == sorted(made)


def test_many_metadata_reads_concurrently(local: LocalHealthImaging) -> None:
    made = local.seed_image_sets(5)

    async def scenario() -> dict[str, Any]:
        async with local.async_client() as client:
            pairs = client.get_image_set_metadata_many(local.datastore_id, [*made, "0" * 32], concurrency=2)
            return {image_set_id: result async for image_set_id, result in pairs}

    results = asyncio.run(scenario())
    assert {i: results[i]["ImageSetID"] for i in made} == {i: i for i in made}
    assert isinstance(results["0" * 32], hic.ResourceNotFoundException)


def test_the_core_package_does_not_import_the_emulator() -> None:
    code = "import sys, healthimaging_client; print(sorted(m for m in sys.modules if '.testing' in m))"
    finished = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert finished.stdout.strip() == "[]"
