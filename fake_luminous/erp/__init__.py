"""The generators and declarations of ``erp_rows.ENDPOINTS``, one module per domain.

``common``: shared helpers; ``inventory``, ``customers``, ``sales``, ``purchasing``,
``catalogue``: one ``ListEndpoint`` constant per endpoint, next to its generator.
``erp_rows`` assembles them into ``ENDPOINTS``.
"""
