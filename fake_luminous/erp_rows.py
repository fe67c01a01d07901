"""Rows of the page-number list endpoints beyond purchase orders, in their docs pages' shapes.

One ``ListEndpoint`` per endpoint in ``ENDPOINTS``; each generator makes ``count`` rows from its
own RNG (``ctx.rng(path)``) so that no endpoint's data depends on another's.
"""

from __future__ import annotations

from collections.abc import Mapping

from .lists import Context, ListEndpoint, Row


def _warehouses(ctx: Context, count: int) -> list[Row]:
    rng = ctx.rng("/warehouses")
    rows = []
    for number in range(1, count + 1):
        created, updated = ctx.created_updated(rng)
        rows.append(
            {
                "id": number,
                "status": rng.choice(("active", "active", "inactive")),
                "name": f"Warehouse {number}",
                "parent_id": None,
                "created_at": created,
                "updated_at": updated,
            }
        )
    return rows


ENDPOINTS: dict[str, ListEndpoint] = {
    endpoint.path: endpoint
    for endpoint in (
        ListEndpoint(
            path="/warehouses",
            generate=_warehouses,
            docs="https://docs.joinluminous.com/api-reference/inventory/inventory-stock "
            "(location_stocks[].warehouse)",
            sorts={"id": lambda r: r["id"], "updated_at": lambda r: r["updated_at"]},
            default_count=4,
        ),
    )
}


def generate_lists(ctx: Context, counts: Mapping[str, int] | None = None) -> dict[str, list[Row]]:
    """Every endpoint's rows: ``counts[path]`` of each (default ``default_count``)."""
    counts = counts or {}
    return {
        path: endpoint.generate(ctx, counts.get(path, endpoint.default_count))
        for path, endpoint in ENDPOINTS.items()
    }
