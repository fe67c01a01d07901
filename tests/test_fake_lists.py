"""The fake's generic page-number list endpoints (lists.py, erp_rows.py), over real sockets."""

from __future__ import annotations

import email.utils
import json
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import requests

from fake_luminous import Dataset, FakeClock, FakeLuminousAPI, Faults, erp_rows
from fake_luminous.lists import Context, ListEndpoint, Row
from fake_luminous.serialize import format_dt

from .conftest import DATA_START, EPOCH, TOKEN

TIMEOUT = 5
ROOT = Path(__file__).resolve().parent.parent
THINGS = "/test-things"  # a private, stock-like endpoint: string keys, `limit`, default sort
FLAT = "/test-flat"  # a private endpoint that is not paginated
MakeAPI = Callable[..., FakeLuminousAPI]
SMALL: dict[str, Any] = {"sales_orders": 20, "purchase_orders": 8, "products": 60}


def _things(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng(THINGS)
    rows = []
    for n in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        rows.append(
            {
                "id": f"thing-{n:04d}",
                "product": {"id": 500 + (n * 17) % 101, "sku": f"SKU-{n:05d}"},
                "grade": rng.choice(("a", "b", "c")),
                "qty": rng.randrange(100),
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


def _flat(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng(FLAT)
    return [
        dict(zip(("id", "created_at", "updated_at"), (n, *ctx.created_updated(rng)), strict=True))
        for n in range(1, count + 1)
    ]


THINGS_SPEC = ListEndpoint(
    path=THINGS,
    generate=_things,
    docs="tests/test_fake_lists.py",
    size_param="limit",
    default_size=7,
    max_size=20,
    sorts={
        "product.id": lambda r: r["product"]["id"],
        "grade": lambda r: r["grade"],
        "updated_at": lambda r: r["updated_at"],
    },
    default_sort="updated_at:desc",
    default_count=43,
)
FLAT_SPEC = ListEndpoint(
    path=FLAT,
    generate=_flat,
    docs="tests/test_fake_lists.py",
    sorts={"id": lambda r: r["id"], "updated_at": lambda r: r["updated_at"]},
    paginated=False,
    default_count=12,
)


@pytest.fixture
def private(monkeypatch: pytest.MonkeyPatch) -> None:
    """Register the private endpoints (before the dataset and the API are made)."""
    monkeypatch.setitem(erp_rows.ENDPOINTS, THINGS, THINGS_SPEC)
    monkeypatch.setitem(erp_rows.ENDPOINTS, FLAT, FLAT_SPEC)


@pytest.fixture
def http() -> Iterator[requests.Session]:
    with requests.Session() as s:
        s.headers["Authorization"] = f"Bearer {TOKEN}"
        yield s


def get(s: requests.Session, api: FakeLuminousAPI, path: str, **params: Any) -> requests.Response:
    return s.get(api.base_url + path, params=params, timeout=TIMEOUT, allow_redirects=False)


def walk(
    s: requests.Session, api: FakeLuminousAPI, path: str, size_param: str, size: int, **params: Any
) -> list[dict[str, Any]]:
    """Every page from 1 to the first page's ``last_page``; the served rows, in order."""
    rows: list[dict[str, Any]] = []
    page, last = 1, 1
    while page <= last:
        r = get(s, api, path, page=page, **{size_param: size}, **params)
        assert r.status_code == 200, r.text
        body = json.loads(r.content, parse_float=Decimal)  # as the fake's to_json_obj does
        if page == 1:
            last = body["meta"]["last_page"]
        rows += body["data"]
        page += 1
    return rows


def served(api: FakeLuminousAPI, path: str, key: str = "id") -> list[Any]:
    """The keys of a list's rows in the fake's order (as the server formats them)."""
    return [r[key] for r in api.expected_list(path)]


def stamp(api: FakeLuminousAPI, dt: datetime) -> str:
    return format_dt(dt, api.timestamp_style)


# -- the dataset ----------------------------------------------------------------------------
def test_lists_come_after_the_rest_and_do_not_change_it(private: None) -> None:
    args: dict[str, Any] = {"seed": 3, "start": DATA_START, "end": EPOCH, **SMALL}
    plain = Dataset.generate(**args)
    sized = Dataset.generate(**args, lists={THINGS: 5, "/warehouses": 7})
    assert sized.sales_orders == plain.sales_orders
    assert sized.purchase_orders == plain.purchase_orders
    assert sized.products == plain.products
    assert len(sized.lists[THINGS]) == 5
    assert len(plain.lists[THINGS]) == 43
    assert len(sized.lists["/warehouses"]) == 7
    assert set(plain.lists) == set(erp_rows.ENDPOINTS)
    assert list(sized.lists[THINGS]) == [f"thing-{n:04d}" for n in range(1, 6)]  # keyed by key
    with pytest.raises(ValueError, match="/nope"):
        Dataset.generate(**args, lists={"/nope": 3})


# -- paging ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "size_param", "size"),
    [(THINGS, "limit", 5), (THINGS, "limit", 1), ("/warehouses", "per_page", 3)],
)
def test_paging_to_the_last_page_yields_every_row_once(
    make_api: MakeAPI,
    http: requests.Session,
    private: None,
    path: str,
    *,
    size_param: str,
    size: int,
) -> None:
    api = make_api(**SMALL)
    rows = walk(http, api, path, size_param, size)
    assert [r["id"] for r in rows] == served(api, path)
    assert len(rows) == len(api.dataset.lists[path]) > size
    last = get(http, api, path, **{size_param: size, "page": 1}).json()["meta"]["last_page"]
    body = get(http, api, path, **{size_param: size, "page": last}).json()
    total = len(rows)
    assert body["meta"] == {
        "current_page": last,
        "from": (last - 1) * size + 1,
        "last_page": -(-total // size),
        "per_page": size,  # "per_page" also where the parameter is `limit`
        "to": total,
        "total": total,
    }
    beyond = get(http, api, path, **{size_param: size, "page": last + 1}).json()
    assert beyond["data"] == []
    assert beyond["meta"]["from"] is None
    assert beyond["meta"]["to"] is None


def test_default_page_size_and_the_other_parameter_name_is_ignored(
    make_api: MakeAPI, http: requests.Session, private: None
) -> None:
    api = make_api(**SMALL)
    body = get(http, api, THINGS, per_page=1000).json()  # not this endpoint's parameter
    assert len(body["data"]) == body["meta"]["per_page"] == 7
    body = get(http, api, "/warehouses", limit=1000, per_page=2).json()
    assert len(body["data"]) == body["meta"]["per_page"] == 2


@pytest.fixture(scope="module")
def real_api() -> Iterator[FakeLuminousAPI]:
    """A read-only API over the declared endpoints only (tests must not mutate it)."""
    ds = Dataset.generate(seed=7, start=DATA_START, end=EPOCH, **SMALL)
    with FakeLuminousAPI(dataset=ds, token=TOKEN, clock=FakeClock(EPOCH)) as api:
        yield api


@pytest.mark.parametrize("path", sorted(erp_rows.ENDPOINTS))
def test_every_declared_endpoint_limits_its_own_size_parameter(
    real_api: FakeLuminousAPI, http: requests.Session, path: str
) -> None:
    api, spec = real_api, erp_rows.ENDPOINTS[path]
    if not spec.paginated:
        r = get(http, api, path, per_page=10**6, limit=10**6, page=0)
        assert r.status_code == 200, r.text
        body = json.loads(r.content, parse_float=Decimal)
        assert body == {"data": [api.to_json_obj(row) for row in api.expected_list(path)]}
        return
    name = spec.size_param
    for bad, message in (
        (spec.max_size + 1, f"must not be greater than {spec.max_size}."),
        (0, "must be at least 1."),
        ("ten", "must be an integer."),
    ):
        r = get(http, api, path, **{name: bad})
        assert r.status_code == 422, (bad, r.text)
        text = f"The {name.replace('_', ' ')} field {message}"
        assert r.json() == {"message": text, "errors": {name: [text]}}
    for bad, message in ((0, "must be at least 1."), ("x", "must be an integer.")):
        r = get(http, api, path, page=bad)
        assert r.status_code == 422
        assert r.json()["errors"] == {"page": [f"The page field {message}"]}
    r = get(http, api, path, **{name: spec.max_size})
    assert r.status_code == 200
    assert r.json()["meta"]["per_page"] == spec.max_size
    body = get(http, api, path).json()
    assert body["meta"]["per_page"] == spec.default_size
    assert body["meta"]["total"] == len(api.dataset.lists[path])
    everything = walk(http, api, path, name, spec.max_size)
    assert everything == [api.to_json_obj(row) for row in api.expected_list(path)]


def test_unknown_paths_are_still_404(real_api: FakeLuminousAPI, http: requests.Session) -> None:
    for path in ("/warehouse", "/warehouses/1", "/inventory", "/test-things", "/stocks"):
        r = get(http, real_api, path)
        assert r.status_code == 404, path
        assert r.json() == {"message": "Not Found"}


# -- sorting --------------------------------------------------------------------------------
def test_sort_asc_desc_and_ties_by_key(
    make_api: MakeAPI, http: requests.Session, private: None
) -> None:
    api = make_api(**SMALL)
    rows = list(api.dataset.lists[THINGS].values())
    for sort, key, desc in (
        ("product.id:asc", lambda r: r["product"]["id"], False),
        ("product.id:desc", lambda r: r["product"]["id"], True),
        ("updated_at:asc", lambda r: r["updated_at"], False),
        ("grade:asc", lambda r: r["grade"], False),
        ("grade:desc", lambda r: r["grade"], True),
    ):
        by_key = sorted(rows, key=lambda r: r["id"])
        want = sorted(by_key, key=key, reverse=desc)
        got = walk(http, api, THINGS, "limit", 6, sort=sort)
        assert [r["id"] for r in got] == [r["id"] for r in want], sort
    grades = [r["grade"] for r in walk(http, api, THINGS, "limit", 20, sort="grade:desc")]
    assert grades == sorted(grades, reverse=True)
    assert len(set(grades)) == 3
    ties = [r["id"] for r in walk(http, api, THINGS, "limit", 20, sort="grade:desc")]
    for grade in "abc":
        same = [k for k, g in zip(ties, grades, strict=True) if g == grade]
        assert same == sorted(same)  # ties by key ascending, even descending
    # no sort: the endpoint's default_sort (updated_at:desc); /warehouses: by key
    default = walk(http, api, THINGS, "limit", 20)
    assert default == walk(http, api, THINGS, "limit", 20, sort="updated_at:desc")
    updated = [r["updated_at"] for r in default]
    assert updated == sorted(updated, reverse=True)
    ids = [r["id"] for r in walk(http, api, "/warehouses", "per_page", 2)]
    assert ids == sorted(ids)
    assert ids == served(api, "/warehouses")
    down = [r["id"] for r in walk(http, api, "/warehouses", "per_page", 2, sort="id:desc")]
    assert down == sorted(ids, reverse=True)


@pytest.mark.parametrize(
    ("sort", "message"),
    [
        ("qty:asc", "The selected sort is invalid."),
        ("product.sku:asc", "The selected sort is invalid."),
        ("grade:up", "The sort direction must be asc or desc."),
        ("grade:ASC", "The sort direction must be asc or desc."),
        ("grade", "The sort direction must be asc or desc."),
        ("grade:asc:desc", "The selected sort is invalid."),
    ],
)
def test_unknown_sort_field_or_direction_is_422(
    make_api: MakeAPI, http: requests.Session, private: None, sort: str, message: str
) -> None:
    api = make_api(**SMALL)
    r = get(http, api, THINGS, sort=sort)
    assert r.status_code == 422
    assert r.json() == {"message": message, "errors": {"sort": [message]}}
    with pytest.raises(ValueError, match="sort"):
        api.expected_list(THINGS, sort=sort)


# -- filters --------------------------------------------------------------------------------
def test_updated_at_and_created_at_filters(
    make_api: MakeAPI, http: requests.Session, private: None
) -> None:
    api = make_api(**SMALL)
    rows = api.expected_list(THINGS, sort="product.id:asc")
    pivot = sorted(r["updated_at"] for r in rows)[len(rows) // 2]
    text = pivot.strftime("%Y-%m-%d %H:%M:%S")
    for op, keep in (
        ("gte", lambda r: r["updated_at"] >= pivot),
        ("gt", lambda r: r["updated_at"] > pivot),
        ("lt", lambda r: r["updated_at"] < pivot),
        ("lte", lambda r: r["updated_at"] <= pivot),
        ("neq", lambda r: r["updated_at"] != pivot),
    ):
        got = walk(
            http, api, THINGS, "limit", 20, sort="product.id:asc", **{f"updated_at[{op}]": text}
        )
        assert [r["id"] for r in got] == [r["id"] for r in rows if keep(r)], op
        assert 0 < len(got) < len(rows), op
    got = walk(http, api, THINGS, "limit", 20, sort="product.id:asc", updated_at=text)
    assert [r["id"] for r in got] == [r["id"] for r in rows if r["updated_at"] == pivot]
    day = rows[0]["created_at"].date()
    got = walk(http, api, THINGS, "limit", 20, sort="product.id:asc", created_at=day.isoformat())
    assert got
    assert all(r["created_at"].startswith(day.isoformat()) for r in got)
    assert [r["id"] for r in got] == [r["id"] for r in rows if r["created_at"].date() == day]
    both = {"updated_at[gte]": text, "created_at[lt]": text}
    got = walk(http, api, THINGS, "limit", 20, sort="product.id:asc", **both)
    assert [r["id"] for r in got] == [
        r["id"] for r in rows if r["updated_at"] >= pivot and r["created_at"] < pivot
    ]
    body = get(http, api, THINGS, **{"updated_at[gte]": text, "limit": 20}).json()
    assert body["meta"]["total"] == sum(r["updated_at"] >= pivot for r in rows)
    for key, raw in (("updated_at[gte]", "yesterday"), ("created_at", "2026-13-01")):
        r = get(http, api, THINGS, **{key: raw})
        assert r.status_code == 422
        label = key.split("[")[0].replace("_", " ")
        assert r.json()["errors"] == {
            key: [f"The {label} field must match the format Y-m-d H:i:s."]
        }


# -- not paginated --------------------------------------------------------------------------
def test_an_unpaginated_endpoint_serves_every_row_without_meta(
    make_api: MakeAPI, http: requests.Session, private: None
) -> None:
    api = make_api(**SMALL)
    r = get(http, api, FLAT, per_page=1, page=3, limit="x")
    assert r.status_code == 200, r.text
    body = r.json()
    assert list(body) == ["data"]
    assert [row["id"] for row in body["data"]] == list(range(1, 13))
    down = get(http, api, FLAT, sort="id:desc").json()["data"]
    assert [row["id"] for row in down] == list(range(12, 0, -1))
    assert get(http, api, FLAT, sort="name:asc").status_code == 422
    some = get(http, api, FLAT, **{"updated_at[gte]": "2026-01-01"}).json()["data"]
    assert 0 < len(some) < 12
    assert [row["id"] for row in some] == [
        row["id"] for row in api.expected_list(FLAT) if row["updated_at"].year >= 2026
    ]


# -- churn ----------------------------------------------------------------------------------
def _walk_keys(
    http: requests.Session,
    api: FakeLuminousAPI,
    path: str,
    size_param: str,
    *,
    size: int,
    sort: str,
) -> Counter[Any]:
    return Counter(r["id"] for r in walk(http, api, path, size_param, size, sort=sort))


def test_churn_moves_rows_between_pages_of_an_updated_at_walk(
    make_api: MakeAPI, http: requests.Session, private: None
) -> None:
    calm = make_api(**SMALL)
    keys = set(calm.dataset.lists[THINGS])
    assert _walk_keys(http, calm, THINGS, "limit", size=5, sort="updated_at:desc") == dict.fromkeys(
        keys, 1
    )

    api = make_api(**SMALL, churn={THINGS: 3})
    seen = _walk_keys(http, api, THINGS, "limit", size=5, sort="updated_at:desc")
    missed, repeated = keys - set(seen), {k for k, n in seen.items() if n > 1}
    assert missed or repeated, "churn changed nothing a walk could see"
    pages = -(-len(keys) // 5)
    assert api.clock.now() == EPOCH + timedelta(seconds=pages)  # one step per page served
    newest = api.expected_list(THINGS)[0]  # updated_at:desc
    assert newest["updated_at"] == api.clock.now()

    before = api.clock.now()
    stable = _walk_keys(http, api, THINGS, "limit", size=5, sort="product.id:asc")
    assert stable == dict.fromkeys(keys, 1)
    assert api.clock.now() == before + timedelta(seconds=pages)  # it churned all along

    api.churn[THINGS] = 0  # switched off at run time
    assert _walk_keys(http, api, THINGS, "limit", size=5, sort="updated_at:desc") == dict.fromkeys(
        keys, 1
    )
    assert api.clock.now() == before + timedelta(seconds=pages)


def test_churn_of_the_inventory_stocks_snapshot(make_api: MakeAPI, http: requests.Session) -> None:
    path = "/inventory/stocks"
    assert path in erp_rows.ENDPOINTS
    spec = erp_rows.ENDPOINTS[path]
    api = make_api(**SMALL, churn={path: 2})
    keys = set(api.dataset.lists[path])
    assert len(keys) > 10
    seen = _walk_keys(http, api, path, spec.size_param, size=4, sort="updated_at:desc")
    assert seen != dict.fromkeys(keys, 1)
    assert _walk_keys(
        http, api, path, spec.size_param, size=4, sort="product.id:asc"
    ) == dict.fromkeys(keys, 1)
    with pytest.raises(ValueError, match="churn"):
        FakeLuminousAPI(dataset=api.dataset, churn={"/sales-orders/export": 1})


# -- auth, faults, recording, Date, drift ----------------------------------------------------
def test_auth_methods_and_faults_apply(make_api: MakeAPI, http: requests.Session) -> None:
    api = make_api(**SMALL, forbidden_tokens=["revoked"])
    url = api.base_url + "/warehouses"
    for headers, status, message in (
        ({}, 401, "Unauthenticated."),
        ({"Authorization": "Bearer wrong"}, 401, "Unauthenticated."),
        ({"Authorization": f"Basic {TOKEN}"}, 401, "Unauthenticated."),
        ({"Authorization": "Bearer revoked"}, 403, "This action is unauthorized."),
    ):
        r = requests.get(url, headers=headers, timeout=TIMEOUT)
        assert (r.status_code, r.json()) == (status, {"message": message})
    r = http.post(url, timeout=TIMEOUT)
    assert r.status_code == 405
    assert "external/api/v1/warehouses" in r.json()["message"]
    head = http.head(url, timeout=TIMEOUT)
    assert head.status_code == 200
    assert head.content == b""

    api.faults = Faults(fail_statuses={"/warehouses": [503, 429]}, retry_after="7")
    r = get(http, api, "/warehouses")
    assert r.status_code == 503
    assert r.headers["Content-Type"].startswith("text/html")
    r = get(http, api, "/warehouses")
    assert r.status_code == 429
    assert r.headers["Retry-After"] == "7"
    assert get(http, api, "/warehouses").status_code == 200
    api.faults = Faults(p_5xx=1.0, seed=1)
    assert get(http, api, "/warehouses").status_code >= 500
    api.faults = Faults(p_wrong_shape=1.0)
    body = get(http, api, "/warehouses").json()
    assert not (isinstance(body, dict) and isinstance(body.get("data"), list) and "meta" in body)
    api.faults = Faults(p_drop=1.0)
    with pytest.raises(requests.RequestException):
        get(http, api, "/warehouses").json()
    faults = [q.fault for q in api.requests if q.path == "/warehouses" and q.fault]
    assert faults == ["fail_status", "fail_status", "5xx", "wrong_shape", "drop"]


def test_recording_and_the_date_header(make_api: MakeAPI, http: requests.Session) -> None:
    api = make_api(**SMALL, record_bodies=True, churn={"/inventory/stocks": 1})
    spec = erp_rows.ENDPOINTS["/inventory/stocks"]
    rows = walk(http, api, "/inventory/stocks", spec.size_param, 7)
    assert api.served_rows("/inventory/stocks") == rows
    recs = [q for q in api.requests if q.path == "/inventory/stocks"]
    bodies = [b for b in api.served_bodies if b.path == "/inventory/stocks"]
    assert [q.params for q in recs] == [b.query for b in bodies]
    assert [q.rows for q in recs] == [len(json.loads(b.body)["data"]) for b in bodies]
    assert sum(q.rows for q in recs) == len(rows)
    assert all(q.status == 200 for q in recs)
    r = get(http, api, "/warehouses")
    assert r.headers["Date"] == email.utils.formatdate(api.clock.now().timestamp(), usegmt=True)
    api.clock.advance(hours=5)
    r = get(http, api, "/warehouses")
    assert r.headers["Date"] == email.utils.formatdate(api.clock.now().timestamp(), usegmt=True)
    assert r.json()["data"] == api.served_rows("/warehouses")[-len(r.json()["data"]) :]


def test_drift_applies_to_list_rows(
    make_api: MakeAPI, http: requests.Session, private: None
) -> None:
    api = make_api(**SMALL, drift=1.0, record_bodies=True)
    for path, spec in ((THINGS, THINGS_SPEC), ("/suppliers", erp_rows.ENDPOINTS["/suppliers"])):
        truth = api.expected_list(path)
        rows = walk(http, api, path, spec.size_param, 9)
        assert rows == [api.to_json_obj(row) for row in truth]  # order from the true values
        drifts = [d for row in truth for d in api.drifts(row)]
        assert drifts, path
        plain = [api.to_json_obj(dict(row)) for row in truth]  # a copy: served without drift
        assert rows != plain
        kinds = {d.kind for d in drifts}
        assert kinds & {"space_timestamp", "offset_timestamp", "int_string", "decimal_string"}
    calm = make_api(**SMALL, drift=0.0)
    assert all(not calm.drifts(row) for row in calm.expected_list("/suppliers"))


# -- test helpers -----------------------------------------------------------------------------
def test_mutation_helpers(make_api: MakeAPI, http: requests.Session) -> None:
    api = make_api(**SMALL)
    path = "/warehouses"
    assert walk(http, api, path, "per_page", 2) == [
        api.to_json_obj(r) for r in api.expected_list(path)
    ]
    now = api.clock.advance(hours=1)
    row = api.update_list_row(path, 2, name="Renamed")
    assert row["updated_at"] == now
    top = get(http, api, path, sort="updated_at:desc").json()["data"][0]
    assert (top["id"], top["name"], top["updated_at"]) == (2, "Renamed", stamp(api, now))
    fixed = EPOCH - timedelta(days=400)
    assert api.update_list_row(path, 3, updated_at=fixed)["updated_at"] == fixed
    last = get(http, api, path, sort="updated_at:asc").json()["data"][0]
    assert last["id"] == 3

    new = {**api.dataset.lists[path][1], "id": 99, "name": "Annex", "updated_at": now}
    assert api.insert_list_row(path, new) is new
    with pytest.raises(ValueError, match="99"):
        api.insert_list_row(path, dict(new))
    ids = [r["id"] for r in walk(http, api, path, "per_page", 2)]
    assert ids[-1] == 99
    assert len(ids) == len(set(ids))
    assert api.delete_list_row(path, 1)["id"] == 1
    body = get(http, api, path, per_page=100).json()
    assert [r["id"] for r in body["data"]] == [i for i in ids if i != 1]
    assert body["meta"]["total"] == len(ids) - 1
    assert served(api, path) == [i for i in ids if i != 1]
    with pytest.raises(KeyError):
        api.update_list_row(path, 12345, name="x")


def test_the_command_line_serves_list_sizes(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    cmd = [
        sys.executable,
        "-m",
        "fake_luminous",
        "--max-seconds",
        "60",
        "--sales-orders",
        "10",
        "--purchase-orders",
        "4",
        "--products",
        "40",
        "--list-rows",
        "/warehouses=6",
        "--list-rows",
        "/companies=3",
        "--ready-file",
        str(ready),
    ]
    with subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            info = json.loads(proc.stdout.readline())
            headers = {"Authorization": f"Bearer {info['token']}"}
            for path, total in (("/warehouses", 6), ("/companies", 3)):
                r = requests.get(info["base_url"] + path, headers=headers, timeout=TIMEOUT)
                assert r.status_code == 200
                assert r.json()["meta"]["total"] == total
        finally:
            proc.terminate()
            proc.wait(timeout=TIMEOUT)
    bad = subprocess.run(
        [sys.executable, "-m", "fake_luminous", "--list-rows", "/nope=1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert bad.returncode == 2
    assert "/nope" in bad.stderr
