"""The generated rows of the page-number list endpoints (fake_luminous/erp_rows.py).

For a fixed ``Context``: counts, keys, nested ids, cross references into the context and between
the endpoints, exact Decimal money, the supplier bank fields the fake must serve, determinism.
"""

from __future__ import annotations

import datetime as dt
import decimal
from collections.abc import Iterator
from decimal import Decimal
from types import MappingProxyType
from typing import Any

import pytest

from fake_luminous import BIG_MONEY, Dataset
from fake_luminous import data as fake_data
from fake_luminous.erp_rows import ENDPOINTS, generate_lists
from fake_luminous.lists import Context

UTC = dt.timezone.utc
START = dt.datetime(2025, 1, 1, tzinfo=UTC)
END = dt.datetime(2026, 6, 1, 12, tzinfo=UTC)
SEED = 11

Row = dict[str, Any]

#: endpoints whose key is a string (the docs samples show ``"<string>"`` / ``"789123"``)
STRING_KEYS = {"/inventory/stocks", "/contacts"}

#: endpoint -> nested arrays (dotted path to the array) whose elements carry an ``id`` in the
#: docs, with the id's type
NESTED_IDS: dict[str, list[tuple[str, type]]] = {
    "/inventory/stocks": [("location_stocks", int)],
    "/invoices": [("items", int), ("payments", int)],
    "/returns": [("items", int)],
    "/inbound-shipments": [("items", int)],
    "/receiving-reports": [("items", int), ("purchase_orders", int)],
    "/companies": [("shipping_addresses", int), ("tags", int)],
    "/suppliers": [("contacts", int)],
    "/unit-conversion-rules": [("product_alternate_skus", int)],
    "/fulfillment-orders": [("purchase_orders", int)],
    "/boms": [("items", int), ("extra_costs", int)],
    "/purchase-order-shipments": [("shipment_items", int), ("shipment_extra_costs", int)],
    "/price-schedules": [("price_levels", str), ("companies", str), ("tiers", int)],
    "/products/pricing": [("pricing_schedule.price_levels", int)],
}

#: nested arrays whose ids are child-row keys: unique across the endpoint's rows
CHILD_KEYS = {
    "/inventory/stocks": ["location_stocks"],
    "/invoices": ["items", "payments"],
    "/returns": ["items"],
    "/inbound-shipments": ["items"],
    "/receiving-reports": ["items"],
    "/companies": ["shipping_addresses"],
    "/boms": ["items", "extra_costs"],
    "/purchase-order-shipments": ["shipment_items", "shipment_extra_costs"],
    "/price-schedules": ["tiers"],
}

#: endpoint -> money fields (dotted; ``[]`` walks an array)
MONEY: dict[str, list[str]] = {
    "/inventory/stocks": [
        "current_landed_unit_cost",
        "location_stocks[].current_landed_unit_cost",
    ],
    "/invoices": [
        "total_shipping",
        "total_discount",
        "total",
        "total_paid",
        "total_due",
        "items[].unit_price",
        "items[].discount",
        "items[].total",
        "payments[].amount",
    ],
    "/inbound-shipments": ["total_unit_cost", "items[].unit_cost"],
    "/receiving-reports": [
        "total_tax",
        "total_cost",
        "shipping_cost",
        "items[].unit_price",
        "items[].tax",
        "items[].discount_amount",
        "items[].line_total",
        "purchase_orders[].order_cost",
        "purchase_orders[].total_cost",
        "purchase_orders[].total_due",
    ],
    "/fulfillment-orders": ["total"],
    "/transfer-orders": ["items_cost", "shipping_cost"],
    "/boms": ["extra_costs[].unit_price", "extra_costs[].line_total"],
    "/purchase-order-shipments": [
        "total_shipping_cost",
        "shipment_extra_costs[].unit_price",
        "shipment_extra_costs[].line_total",
    ],
    "/price-schedules": ["tiers[].discount_amount"],
    "/products/pricing": [
        "wholesale_price",
        "retail_price",
        "company_pricing[].price",
        "pricing_schedule.price_levels[].amount",
        "pricing_schedule.price_levels[].tiers[].price",
    ],
}


def walk(value: Any, path: str) -> Iterator[Any]:
    """The values at ``path`` ("a.b", "a[].b"; None levels are skipped)."""
    if not path:
        yield value
        return
    head, _, rest = path.partition(".")
    many = head.endswith("[]")
    name = head.removesuffix("[]")
    if not isinstance(value, dict) or value.get(name) is None:
        return
    child = value[name]
    for item in child if many else [child]:
        yield from walk(item, rest)


def array(row: Row, path: str) -> list[Row]:
    found = list(walk(row, path))
    return found[0] if found and isinstance(found[0], list) else []


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    return Dataset.generate(
        sales_orders=400, purchase_orders=60, products=120, seed=SEED, start=START, end=END
    )


def context(ds: Dataset, seed: int = SEED) -> Context:
    return Context(
        seed,
        START,
        END,
        MappingProxyType(ds.products),
        MappingProxyType(ds.sales_orders),
        MappingProxyType(ds.purchase_orders),
    )


@pytest.fixture(scope="module")
def ctx(dataset: Dataset) -> Context:
    return context(dataset)


@pytest.fixture(scope="module")
def lists(ctx: Context) -> dict[str, list[Row]]:
    return generate_lists(ctx)


def test_every_endpoint_generates_its_count(ctx: Context, lists: dict[str, list[Row]]) -> None:
    for path, endpoint in ENDPOINTS.items():
        assert 10 <= endpoint.default_count <= 60 or path == "/warehouses", path
        assert len(lists[path]) == endpoint.default_count, path
    other = generate_lists(ctx, {path: 7 for path in ENDPOINTS})
    assert {path: len(rows) for path, rows in other.items()} == dict.fromkeys(ENDPOINTS, 7)


def test_declarations(lists: dict[str, list[Row]]) -> None:
    stocks = ENDPOINTS["/inventory/stocks"]
    assert set(stocks.sorts) >= {"product.id", "product.sku", "product.name", "updated_at"}
    assert stocks.default_sort == "updated_at:desc"
    assert stocks.default_size == 100
    for path in ("/contacts", "/price-schedules"):
        assert ENDPOINTS[path].size_param == "limit"
        assert ENDPOINTS[path].default_size == 10
    assert [p for p, e in ENDPOINTS.items() if not e.paginated] == ["/custom-fields"]
    for path, endpoint in ENDPOINTS.items():
        assert endpoint.docs.startswith("https://docs.joinluminous.com/api-reference/"), path
        assert endpoint.key == "id"
        for name, sort in endpoint.sorts.items():
            values = [sort(row) for row in lists[path]]
            assert None not in values, (path, name)
            sorted(values)  # comparable


def test_keys_unique_and_typed(lists: dict[str, list[Row]]) -> None:
    for path, rows in lists.items():
        keys = [row["id"] for row in rows]
        assert len(set(keys)) == len(keys), path
        expected = str if path in STRING_KEYS else int
        assert all(type(k) is expected for k in keys), path
    contacts = lists["/contacts"]
    assert all(isinstance(c["company_id"], str) for c in contacts)
    assert all(isinstance(c["company"]["id"], str) for c in contacts)
    assert all(c["id"].isdigit() for c in contacts)
    # string order is not number order: the tap must not assume either from the type
    ids = [c["id"] for c in contacts]
    assert sorted(ids) != sorted(ids, key=int)


def test_nested_rows_have_ids(lists: dict[str, list[Row]]) -> None:
    for path, arrays in NESTED_IDS.items():
        seen_any = False
        for array_path, kind in arrays:
            for row in lists[path]:
                for element in array(row, array_path):
                    seen_any = True
                    assert type(element.get("id")) is kind, (path, array_path, element)
        assert seen_any, path
    for path, children in CHILD_KEYS.items():
        for child in children:
            ids = [e["id"] for row in lists[path] for e in array(row, child)]
            assert ids, (path, child)
            assert len(set(ids)) == len(ids), (path, child)
    for schedule in lists["/price-schedules"]:
        assert all(t["price_schedule_id"] == str(schedule["id"]) for t in schedule["tiers"])


def test_warehouses_and_locations_are_the_embedded_objects(
    lists: dict[str, list[Row]],
) -> None:
    warehouses = {w["id"]: w for w in lists["/warehouses"]}
    locations = {loc["id"]: loc for loc in lists["/locations"]}
    assert {w: warehouses[w]["name"] for w, _ in fake_data._WAREHOUSES} == dict(
        fake_data._WAREHOUSES
    )
    assert {n: locations[n]["name"] for n, _ in fake_data._LOCATIONS} == dict(fake_data._LOCATIONS)
    for location in locations.values():
        assert location["parent_id"] in warehouses
    embedded = 0
    for stock in lists["/inventory/stocks"]:
        pairs = [(ls["warehouse"]["id"], ls["location"]["id"]) for ls in stock["location_stocks"]]
        assert len(set(pairs)) == len(pairs)  # the child's fallback key is unique too
        for ls in stock["location_stocks"]:
            assert ls["warehouse"] == warehouses[ls["warehouse"]["id"]]
            assert ls["location"] == locations[ls["location"]["id"]]
            assert ls["location"]["parent_id"] == ls["warehouse"]["id"]
            assert isinstance(ls["warehouse"]["status"], str)
            embedded += 1
    for shipment in lists["/purchase-order-shipments"]:
        assert shipment["warehouse"] == warehouses[shipment["warehouse_id"]]
        embedded += 1
    assert embedded
    for path, field in (
        ("/invoices", "warehouse_id"),
        ("/transfer-orders", "source_warehouse_id"),
        ("/transfer-orders", "destination_warehouse_id"),
    ):
        assert all(row[field] in warehouses for row in lists[path]), (path, field)
    for path, array_path in (("/returns", "items"), ("/inbound-shipments", "")):
        for row in lists[path]:
            for element in array(row, array_path) if array_path else [row]:
                assert element["location_id"] in locations, path


def test_stocks_name_their_product_by_sku(ctx: Context, lists: dict[str, list[Row]]) -> None:
    by_id = ENDPOINTS["/inventory/stocks"].sorts["product.id"]
    stocks = lists["/inventory/stocks"]
    for stock in stocks:
        product = ctx.products[by_id(stock)]
        assert (stock["sku"], stock["name"], stock["type"]) == (
            product["sku"],
            product["name"],
            product["type"],
        )
        assert "product_id" not in stock
        assert "product" not in stock
        assert stock["qty_onhand"] == sum(ls["qty_onhand"] for ls in stock["location_stocks"])
        assert stock["qty_available"] == stock["qty_onhand"] - stock["qty_pending"]
    assert len({by_id(s) for s in stocks}) == len(stocks)
    # the id is not the product id, and id order is not product order
    assert [s["id"] for s in stocks] != [str(by_id(s)) for s in stocks]
    assert sorted(stocks, key=lambda s: s["id"]) != sorted(stocks, key=by_id)


def test_references_into_the_context(ctx: Context, lists: dict[str, list[Row]]) -> None:
    for invoice in lists["/invoices"]:
        for item in invoice["items"]:
            product = ctx.products[item["product_id"]]
            assert (item["sku"], item["name"]) == (product["sku"], product["name"])
        assert all(p["invoice_id"] == invoice["id"] for p in invoice["payments"])
    for ret in lists["/returns"]:
        order = ctx.sales_orders[ret["sales_order_id"]]
        lines = {it["order_item_id"]: it for it in order["items"]}
        for item in ret["items"]:
            line = lines[item["sales_order_item_id"]]
            assert item["sku"] == line["sku"]
            assert 1 <= item["quantity"] <= line["quantity"]
        assert isinstance(ret["order_date"], dt.date)
        assert not isinstance(ret["order_date"], dt.datetime)

    def po_item(po_id: int, item_id: int) -> Row:
        return next(it for it in ctx.purchase_orders[po_id]["items"] if it["id"] == item_id)

    for shipment in lists["/inbound-shipments"]:
        po = ctx.purchase_orders[shipment["purchase_order_id"]]
        assert shipment["external_po_number"] == po["order_numbers"][0]
        for item in shipment["items"]:
            assert (
                item["unit_cost"] == po_item(po["id"], item["purchase_order_item_id"])["unit_price"]
            )
    for report in lists["/receiving-reports"]:
        listed = {po["id"] for po in report["purchase_orders"]}
        for po in report["purchase_orders"]:
            source = ctx.purchase_orders[po["id"]]
            assert po["supplier_id"] == source["supplier_id"] == po["supplier"]["id"]
            assert po["order_quantity"] == source["total_qty_ordered"]
            assert "items" not in po
            assert "bank_name" not in po["supplier"]
        for item in report["items"]:
            assert item["purchase_order_id"] in listed
            assert item["receiving_report_id"] == report["id"]
            po_item(item["purchase_order_id"], item["purchase_order_item_id"])
    for shipment in lists["/purchase-order-shipments"]:
        for item in shipment["shipment_items"]:
            assert item["supplier_purchase_order_shipment_id"] == shipment["id"]
            po_item(item["supplier_purchase_order_id"], item["supplier_purchase_order_item_id"])
        for cost in shipment["shipment_extra_costs"]:
            assert cost["supplier_purchase_order_shipment_id"] == shipment["id"]
    fos = {
        fo["fulfillment_order_id"]: (oid, fo)
        for oid, order in ctx.sales_orders.items()
        for fo in order["fulfillment_orders"]
    }
    for row in lists["/fulfillment-orders"]:
        oid, fo = fos[row["id"]]
        assert row["sales_order_id"] == oid
        assert (row["order_number"], row["order_status"], row["updated_at"]) == (
            fo["order_number"],
            fo["status"],
            fo["updated_at"],
        )
        for po in row["purchase_orders"]:
            assert po["order_status"] == ctx.purchase_orders[po["id"]]["order_status"]
    for row in lists["/products/pricing"]:
        product = ctx.products[row["id"]]
        assert (row["sku"], row["retail_price"]) == (product["sku"], product["retail_price"])
    for bom in lists["/boms"]:
        for item in bom["items"]:
            assert item["bom_id"] == bom["id"]
            assert item["product"]["sku"] == ctx.products[item["product_id"]]["sku"]
    for rule in lists["/unit-conversion-rules"]:
        if rule["product_id"] is not None:
            assert rule["product_id"] in ctx.products
        assert all(
            a["unit_conversion_rule_id"] == rule["id"] for a in rule["product_alternate_skus"]
        )


def test_references_the_context_makes(ctx: Context, lists: dict[str, list[Row]]) -> None:
    """What the tenant's products and purchase orders point at exists in the lists."""
    rules = {r["id"] for r in lists["/unit-conversion-rules"]}
    boms = {b["id"] for b in lists["/boms"]}
    warehouses = {w["id"] for w in lists["/warehouses"]}
    locations = {loc["id"] for loc in lists["/locations"]}
    suppliers = {s["id"]: s for s in lists["/suppliers"]}
    for product in ctx.products.values():
        assert {a["unit_conversion_rule_id"] for a in product["alternate_skus"]} <= rules
        assert {b["id"] for b in product["boms"]} <= boms
    for po in ctx.purchase_orders.values():
        assert po["warehouse"]["id"] in warehouses
        assert po["location"]["id"] in locations
        supplier = suppliers[po["supplier_id"]]
        assert supplier["name"] == po["supplier"]["name"]
        if "bank_name" in po["supplier"]:  # the full supplier: the same object as /suppliers
            assert {k: v for k, v in po["supplier"].items() if k != "credentials"} == supplier


def test_companies_are_referenced_with_their_own_names(lists: dict[str, list[Row]]) -> None:
    companies = {c["id"]: c for c in lists["/companies"]}
    for company in companies.values():
        addresses = company["shipping_addresses"]
        assert company["default_shipping"] in addresses
        assert all(a["company_id"] == company["id"] for a in addresses)
        assert [a["is_default"] for a in addresses].count(True) == 1
    for invoice in lists["/invoices"]:
        company = companies[invoice["customer"]["id"]]
        assert invoice["customer"]["name"] == company["name"]
        assert invoice["ship_to"]["address_1"] == company["default_shipping"]["address"]
    for contact in lists["/contacts"]:
        company = companies[int(contact["company_id"])]
        assert contact["company"] == {"id": str(company["id"]), "name": company["name"]}
    for schedule in lists["/price-schedules"]:
        for ref in schedule["companies"]:
            assert companies[int(ref["id"])]["name"] == ref["name"]
    schedules = {s["id"]: s for s in lists["/price-schedules"]}
    for row in lists["/products/pricing"]:
        for price in row["company_pricing"]:
            assert companies[price["company"]["id"]]["name"] == price["company"]["name"]
        if row["pricing_schedule"] is not None:
            assert (
                row["pricing_schedule"]["name"] == schedules[row["pricing_schedule"]["id"]]["name"]
            )


def test_suppliers_carry_the_bank_fields(lists: dict[str, list[Row]]) -> None:
    """The fake serves what the real server sends: the tap must drop these."""
    suppliers = lists["/suppliers"]
    for supplier in suppliers:
        for field in ("bank_name", "routing_number", "account_number", "swift_code"):
            assert isinstance(supplier[field], str), field
            assert supplier[field], field
        assert isinstance(supplier["status"], int)
        assert all(isinstance(c["id"], int) for c in supplier["contacts"])
    assert len({s["account_number"] for s in suppliers}) == len(suppliers)


def test_money_is_exact_decimal(lists: dict[str, list[Row]]) -> None:
    for path, fields in MONEY.items():
        for field in fields:
            values = [v for row in lists[path] for v in walk(row, field)]
            assert values, (path, field)
            for value in values:
                assert type(value) is Decimal, (path, field, value)
                assert value.as_tuple().exponent == -2, (path, field, value)
    invoices = {i["id"]: i for i in lists["/invoices"]}
    assert str(invoices[1]["total"]) == "12.30"
    assert invoices[1]["total_due"] == Decimal("0.00")
    assert invoices[2]["total"] == BIG_MONEY == invoices[2]["total_due"]
    assert str(invoices[2]["items"][0]["unit_price"]) == str(BIG_MONEY)
    exact = decimal.localcontext(decimal.Context(prec=100))
    for invoice in invoices.values():
        with exact:
            _check_invoice_totals(invoice)


def _check_invoice_totals(invoice: Row) -> None:
    items = sum((i["total"] for i in invoice["items"]), Decimal(0))
    assert invoice["total"] == items + invoice["total_shipping"]
    assert invoice["total_paid"] == sum((p["amount"] for p in invoice["payments"]), Decimal(0))
    assert invoice["total_due"] == invoice["total"] - invoice["total_paid"]
    assert isinstance(invoice["order_date"], dt.datetime)  # a date-time in the docs


def test_datetimes_are_aware_utc(lists: dict[str, list[Row]]) -> None:
    def check(value: Any, where: str) -> int:
        if isinstance(value, dict):
            return sum(check(v, f"{where}.{k}") for k, v in value.items())
        if isinstance(value, list):
            return sum(check(v, where) for v in value)
        if isinstance(value, dt.datetime):
            assert value.utcoffset() == dt.timedelta(0), where
            return 1
        return 0

    for path, rows in lists.items():
        found = check(rows, path)
        assert found or path == "/products/pricing", path  # the only shape without timestamps


def test_same_seed_same_rows_and_counts_are_independent(
    dataset: Dataset, lists: dict[str, list[Row]]
) -> None:
    assert generate_lists(context(dataset)) == lists
    for changed in ENDPOINTS:
        other = generate_lists(context(dataset), {changed: 13})
        for path, rows in other.items():
            if path != changed:
                assert rows == lists[path], (changed, path)
    different = generate_lists(context(dataset, seed=SEED + 1))
    assert different["/invoices"] != lists["/invoices"]


def test_more_rows_keep_the_first_ones(dataset: Dataset, lists: dict[str, list[Row]]) -> None:
    more = generate_lists(context(dataset), {path: 50 for path in ENDPOINTS})
    for path, rows in lists.items():
        n = min(len(rows), 50)
        assert more[path][:n] == rows[:n], path


def test_one_row_per_context_row_at_most(dataset: Dataset) -> None:
    small = Dataset.generate(
        sales_orders=12, purchase_orders=5, products=6, seed=SEED, start=START, end=END
    )
    rows = generate_lists(context(small), {"/inventory/stocks": 40, "/products/pricing": 40})
    assert len(rows["/inventory/stocks"]) == len(rows["/products/pricing"]) == 6
    fos = sum(len(o["fulfillment_orders"]) for o in small.sales_orders.values())
    assert len(rows["/fulfillment-orders"]) == min(fos, 25)
    empty = Context(SEED, START, END, {}, {}, {})
    rows = generate_lists(empty)
    for path in ("/returns", "/inbound-shipments", "/receiving-reports", "/fulfillment-orders"):
        assert rows[path] == [], path
    assert len(rows["/inventory/stocks"]) == 30  # data.py's fallback catalogue of 50
