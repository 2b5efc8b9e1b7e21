"""The emulator's datastores: their lifecycle, the image sets of each (a :class:`Store` apiece), and tags.

A datastore is CREATING for ``datastore_delay`` seconds of the clock, then
ACTIVE; DeleteDatastore makes it DELETING for as long, then DELETED (it stays
listed, as the service's are). Image-set operations need an ACTIVE datastore.
Tags are kept per ARN, for datastores and image sets alike. Requests arrive
here parsed and validated (``_protocol``); state moves on when ``settle`` runs,
before every request.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence

import attrs

from . import _search
from ._documents import JSON
from ._faults import conflict, not_found
from ._store import Store

ACCOUNT = "123456789012"


@attrs.define
class Datastore:
    datastore_id: str
    name: str
    status: str
    created_at: float
    updated_at: float
    store: Store
    kms_key_arn: str | None = None
    lambda_authorizer_arn: str | None = None
    lossless_storage_format: str = "HTJ2K"
    #: When the running transition (CREATING or DELETING) ends.
    settles_at: float | None = None


@attrs.define
class Datastores:
    """Every datastore of the emulated account and region, and the tags of every resource."""

    region: str
    clock: Callable[[], float]
    rng: random.Random
    #: Seconds a datastore stays CREATING, and DELETING (0: it moves on at the next request).
    datastore_delay: float = 0.0
    #: Seconds an image set stays LOCKED after an update or copy, for every datastore's image sets.
    state_delay: float = 0.0
    datastores: dict[str, Datastore] = attrs.field(factory=dict[str, Datastore])
    tags: dict[str, dict[str, str]] = attrs.field(factory=dict[str, dict[str, str]])
    #: clientToken -> the datastore it created, so a retried create answers as the first did.
    tokens: dict[str, str] = attrs.field(factory=dict[str, str])

    # --- building --------------------------------------------------------------------

    def new_store(self, datastore_id: str) -> Store:
        return Store(datastore_id, self.region, ACCOUNT, self.clock, self.rng, state_delay=self.state_delay)

    def add_active(self, store: Store, name: str) -> Datastore:
        """A datastore that is ACTIVE from the start (the emulator's own)."""
        now = self.now()
        datastore = Datastore(store.datastore_id, name, "ACTIVE", now, now, store)
        self.datastores[store.datastore_id] = datastore
        return datastore

    def now(self) -> float:
        return round(self.clock(), 3)

    def arn(self, datastore_id: str) -> str:
        return f"arn:aws:medical-imaging:{self.region}:{ACCOUNT}:datastore/{datastore_id}"

    def set_state_delay(self, seconds: float) -> None:
        self.state_delay = seconds
        for datastore in self.datastores.values():
            datastore.store.state_delay = seconds

    # --- state -------------------------------------------------------------------------

    def settle(self) -> None:
        """End every transition whose time has come, and every image-set workflow."""
        now = self.clock()
        for datastore in self.datastores.values():
            if datastore.settles_at is not None and now >= datastore.settles_at:
                datastore.status = {"CREATING": "ACTIVE", "DELETING": "DELETED"}[datastore.status]
                datastore.settles_at = None
                datastore.updated_at = self.now()
            datastore.store.settle()

    def get(self, datastore_id: str) -> Datastore:
        datastore = self.datastores.get(datastore_id)
        if datastore is None:
            raise not_found("the datastore does not exist")
        return datastore

    def active(self, datastore_id: str) -> Datastore:
        """A datastore that image sets can be read, written and imported into."""
        datastore = self.get(datastore_id)
        if datastore.status == "DELETED":
            raise not_found("the datastore does not exist")
        if datastore.status != "ACTIVE":
            raise conflict(f"the datastore is {datastore.status}, not ACTIVE")
        return datastore

    def image_sets(self, datastore_id: str) -> Store:
        return self.active(datastore_id).store

    # --- the operations ----------------------------------------------------------------

    def create(
        self,
        *,
        name: str | None,
        client_token: str,
        tags: Mapping[str, str] | None,
        kms_key_arn: str | None,
        lambda_authorizer_arn: str | None,
        lossless_storage_format: str | None,
    ) -> JSON:
        known = self.tokens.get(client_token)
        if known is None:
            while (datastore_id := f"{self.rng.getrandbits(128):032x}") in self.datastores:
                pass
            now = self.now()
            self.datastores[datastore_id] = Datastore(
                datastore_id,
                name or f"datastore-{datastore_id[:8]}",
                "CREATING",
                now,
                now,
                self.new_store(datastore_id),
                kms_key_arn,
                lambda_authorizer_arn,
                lossless_storage_format or "HTJ2K",
                settles_at=self.clock() + self.datastore_delay,
            )
            self.tokens[client_token] = known = datastore_id
            if tags:
                self.tags[self.arn(datastore_id)] = dict(tags)
        # The same token answers as the first call did, whatever has happened since.
        return {"datastoreId": known, "datastoreStatus": "CREATING"}

    def properties(self, datastore_id: str) -> JSON:
        d = self.get(datastore_id)
        properties = self._summary(d) | {"losslessStorageFormat": d.lossless_storage_format}
        for key, value in (("kmsKeyArn", d.kms_key_arn), ("lambdaAuthorizerArn", d.lambda_authorizer_arn)):
            if value is not None:
                properties[key] = value
        return properties

    def _summary(self, d: Datastore) -> JSON:
        return {
            "datastoreId": d.datastore_id,
            "datastoreName": d.name,
            "datastoreStatus": d.status,
            "datastoreArn": self.arn(d.datastore_id),
            "createdAt": d.created_at,
            "updatedAt": d.updated_at,
        }

    def list(
        self, status: str | None, *, max_results: int, after: _search.Key | None
    ) -> tuple[list[JSON], _search.Key | None]:
        chosen = [d for d in self.datastores.values() if status is None or d.status == status]
        items, last = _search.page(
            chosen, lambda d: (d.created_at, d.datastore_id), descending=False, after=after, size=max_results
        )
        return [self._summary(d) for d in items], last

    def delete(self, datastore_id: str) -> JSON:
        """Start deleting an ACTIVE datastore that holds no image sets; asking again answers with its status."""
        d = self.get(datastore_id)
        if d.status in ("ACTIVE", "CREATE_FAILED"):
            if any(image_set.deleted_at is None for image_set in d.store.image_sets.values()):
                raise conflict("the datastore still holds image sets: delete them first")
            d.status = "DELETING"
            d.settles_at = self.clock() + self.datastore_delay
            d.updated_at = self.now()
        elif d.status == "CREATING":
            raise conflict("the datastore is still CREATING")
        return {"datastoreId": d.datastore_id, "datastoreStatus": d.status}

    # --- tags --------------------------------------------------------------------------

    def _resource(self, arn: str) -> str:
        """The ARN of an existing datastore or image set (its datastore not DELETED)."""
        prefix = self.arn("")
        rest = arn[len(prefix) :] if arn.startswith(prefix) else ""
        datastore_id, _, image_set = rest.partition("/imageset/")
        datastore = self.datastores.get(datastore_id)
        if datastore is None or datastore.status == "DELETED":
            raise not_found("no such resource")
        held = datastore.store.image_sets.get(image_set) if image_set else None
        if image_set and (held is None or held.deleted_at is not None):
            raise not_found("no such resource")
        return arn

    def tag(self, arn: str, tags: Mapping[str, str]) -> None:
        self.tags.setdefault(self._resource(arn), {}).update(tags)

    def untag(self, arn: str, keys: Sequence[str]) -> None:
        held = self.tags.get(self._resource(arn), {})
        for key in keys:
            held.pop(key, None)

    def tags_of(self, arn: str) -> dict[str, str]:
        return dict(self.tags.get(self._resource(arn), {}))
