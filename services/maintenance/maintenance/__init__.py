"""maintenance (工程维修): work orders from every source, their lifecycle,
emergency repairs, preventive maintenance and the equipment ledger."""
